"""What changes between two policies, in words an operator (and a notice) can show.

Bases and GPC objections are compared region by region (every region or group either
policy names, plus "elsewhere") over the whole timeline: before any dated rule, then from
each date on which a rule of either policy starts or stops. Each difference says when it
holds: `always` (an undated difference), `until D`, `from D`, or `from D until E`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from consentry.consent.jurisdictions import region_name
from consentry.consent.policy import ELSEWHERE, GpcRule, Policy, Rule, day_start
from consentry.consent.versions import widened_purposes

#: The moment that stands for "before any dated rule".
_BEGINNING = day_start(date.min)


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
                if w == ELSEWHERE:
                    continue
                codes |= set(p._expanded.get(w, {w}))
        codes |= set(p.minor_ages)
    return [ELSEWHERE, *sorted(codes)]


def _label(region: str) -> str:
    return "elsewhere" if region == ELSEWHERE else f"{region_name(region)} ({region})"


@dataclass(frozen=True)
class _Span:
    """[start, until) over which a value holds; None at either end means unbounded."""

    start: date | None
    until: date | None
    value: tuple[str, str]

    @property
    def when(self) -> str:
        if self.start is None:
            return "always" if self.until is None else f"until {self.until:%Y-%m-%d}"
        text = f"from {self.start:%Y-%m-%d}"
        return text if self.until is None else f"{text} until {self.until:%Y-%m-%d}"


def _timeline(days: list[date], value_at: Callable[[datetime], tuple[str, str]]) -> list[_Span]:
    """The spans over which `value_at` is constant: before the first of `days`, then
    from each day on (days on which nothing changes are merged away)."""
    spans: list[_Span] = []
    for day in [None, *days]:
        value = value_at(_BEGINNING if day is None else day_start(day))
        if spans and spans[-1].value == value:
            continue
        if spans:
            spans[-1] = _Span(spans[-1].start, day, spans[-1].value)
        spans.append(_Span(day, None, value))
    return spans


def _differences(
    days: list[date], value_at: Callable[[datetime], tuple[str, str]], at: datetime | None
) -> list[_Span]:
    """The spans in which the two values differ (those over before `at`, when given, left
    out)."""
    return [
        s
        for s in _timeline(days, value_at)
        if s.value[0] != s.value[1] and (at is None or s.until is None or day_start(s.until) > at)
    ]


def diff_policies(old: Policy, new: Policy, *, at: datetime | None = None) -> list[PolicyChange]:
    """Every difference between `old` and `new` that a member or operator would notice.

    With `at`, differences that ended on or before `at` are left out.
    """
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
    days = sorted({*old.checkpoints(), *new.checkpoints()})
    regions = _regions(old, new)
    for key in sorted(set(old.purposes) & set(new.purposes)):
        for region in regions:

            def bases(moment: datetime, key: str = key, region: str = region) -> tuple[str, str]:
                return (
                    old.basis_for(key, region, moment).basis,
                    new.basis_for(key, region, moment).basis,
                )

            for span in _differences(days, bases, at):
                was, now = span.value
                subject = f"{key} in {_label(region)} {span.when}"
                out.append(PolicyChange("basis", subject, was, now))
    for region in regions:
        if region == ELSEWHERE:
            age_was, age_now = old.minor_default_age, new.minor_default_age
        else:
            age_was, age_now = old.age_of_consent(region), new.age_of_consent(region)
        if age_was != age_now:
            out.append(PolicyChange("age", _label(region), str(age_was), str(age_now)))
    for region in regions:

        def objections(moment: datetime, region: str = region) -> tuple[str, str]:
            return (
                ", ".join(old.gpc_purposes(region, moment)) or "-",
                ", ".join(new.gpc_purposes(region, moment)) or "-",
            )

        for span in _differences(days, objections, at):
            out.append(PolicyChange("gpc", f"{_label(region)} {span.when}", *span.value))
    return out
