"""What changes between two policies, in words an operator (and a notice) can show.

Bases are compared region by region (every region or group either policy names, plus
"elsewhere") at every date on which a rule of either policy starts or stops, and at `at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consentry.consent.jurisdictions import region_name
from consentry.consent.policy import GpcRule, Policy, Rule, day_start
from consentry.consent.versions import widened_purposes


@dataclass(frozen=True)
class PolicyChange:
    """One difference: `kind` is purpose-added, purpose-removed, purpose-widened,
    purpose-narrowed, purpose-text, basis, age or gpc."""

    kind: str
    subject: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.kind:<16} {self.subject}: {self.before} -> {self.after}"


def _regions(*policies: Policy) -> list[str]:
    codes: set[str] = set()
    for p in policies:
        rules: list[Rule | GpcRule] = [*p.rules, *p.gpc]
        for rule in rules:
            for w in rule.where:
                if w == "*":
                    continue
                codes |= set(p._expanded.get(w, {w}))
        codes |= set(p.minor_ages)
    return ["*", *sorted(codes)]


def _label(region: str) -> str:
    return "elsewhere" if region == "*" else f"{region_name(region)} ({region})"


def diff_policies(old: Policy, new: Policy, *, at: datetime) -> list[PolicyChange]:
    """Every difference between `old` and `new` that a member or operator would notice."""
    out: list[PolicyChange] = []
    for key in sorted(set(old.purposes) | set(new.purposes)):
        a, b = old.purposes.get(key), new.purposes.get(key)
        if a is None:
            assert b is not None  # the key came from one of the two policies
            out.append(PolicyChange("purpose-added", key, "-", ", ".join(b.data_classes)))
            continue
        if b is None:
            out.append(PolicyChange("purpose-removed", key, ", ".join(a.data_classes), "-"))
            continue
        if key in widened_purposes(old, new):
            out.append(
                PolicyChange(
                    "purpose-widened", key, ", ".join(a.data_classes), ", ".join(b.data_classes)
                )
            )
        elif set(a.data_classes) != set(b.data_classes):
            out.append(
                PolicyChange(
                    "purpose-narrowed", key, ", ".join(a.data_classes), ", ".join(b.data_classes)
                )
            )
        if (a.title, a.text) != (b.title, b.text):
            out.append(PolicyChange("purpose-text", key, a.title, b.title))
    moments = sorted({at, *(day_start(d) for d in (*old.checkpoints(), *new.checkpoints()))})
    regions = _regions(old, new)
    seen: set[tuple[str, str, str, str]] = set()
    for key in sorted(set(old.purposes) & set(new.purposes)):
        for region in regions:
            for moment in moments:
                was = old.basis_for(key, region, moment).basis
                now = new.basis_for(key, region, moment).basis
                if was != now and (key, region, was, now) not in seen:
                    seen.add((key, region, was, now))
                    when = "" if moment == at else f" from {moment:%Y-%m-%d}"
                    out.append(PolicyChange("basis", f"{key} in {_label(region)}{when}", was, now))
    for region in regions:
        if region == "*":
            age_was, age_now = old.minor_default_age, new.minor_default_age
        else:
            age_was, age_now = old.age_of_consent(region), new.age_of_consent(region)
        if age_was != age_now:
            out.append(PolicyChange("age", _label(region), str(age_was), str(age_now)))
    for region in regions:
        a_gpc = ", ".join(old.gpc_purposes(region, at)) or "-"
        b_gpc = ", ".join(new.gpc_purposes(region, at)) or "-"
        if a_gpc != b_gpc:
            out.append(PolicyChange("gpc", _label(region), a_gpc, b_gpc))
    return out
