"""The policy: purposes, rules (jurisdiction x purpose -> basis), minors, GPC.

A policy is a TOML file (see docs/policy.md for the schema). `load_policy` reads a preset
or a file and validates it completely; a malformed file raises PolicyError naming the
file and the problem. The content hash covers the parsed content in a canonical form, so
reformatting a file or reordering its tables does not change it.

A region that is not a known ISO 3166 code in canonical form (a row written before codes
were checked: `de`, `zz-zz`) is never treated as "elsewhere": `basis_for`,
`age_of_consent` and `gpc_purposes` give it the strictest reading of the policy — consent
(or exclusion, where the policy excludes the purpose elsewhere), the highest age of
digital consent the policy names, and a GPC signal objecting to every purpose any GPC
entry names. `ELSEWHERE` (`*`) asks for what a region no rule names would get.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from consentry.consent.jurisdictions import (
    BUILTIN_GROUPS,
    WILDCARD,
    country_of,
    expand_group,
    is_region,
    match_specificity,
)
from consentry.errors import ConsentryError, InvalidInput
from consentry.store.tables import DATA_CLASSES


class LegalBasis(StrEnum):
    """The basis a rule gives a purpose: `consent` (off until the member says yes),
    `legitimate-interest` (on until the member objects), `excluded` (never)."""

    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate-interest"
    EXCLUDED = "excluded"


BASES = tuple(LegalBasis)
#: Private messages are never a trainable data class, whatever a policy says.
NEVER_TRAINABLE = frozenset({"message"})
AIPREF_CATEGORIES = ("train-ai", "search")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_GROUP = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")
#: The region a policy's wildcard rules speak of: somewhere no other rule names.
ELSEWHERE = "*"
#: Bases from the least to the most restrictive, for the strictest reading.
_STRICTNESS = (LegalBasis.LEGITIMATE_INTEREST, LegalBasis.CONSENT, LegalBasis.EXCLUDED)


class PolicyError(InvalidInput):
    """A policy file or preset that cannot be used, or a purpose it does not define."""


@dataclass(frozen=True)
class Purpose:
    """What member data may be used for, as shown to members."""

    key: str
    title: str
    text: str
    data_classes: tuple[str, ...]
    aipref: str | None = None


@dataclass(frozen=True)
class Rule:
    """`basis` for `purposes` in the regions `where` names, over [start, until)."""

    where: tuple[str, ...]
    purposes: tuple[str, ...]
    basis: LegalBasis
    start: date | None = None
    until: date | None = None

    def active(self, at: datetime) -> bool:
        day = at.date() if isinstance(at, datetime) else at
        if self.start is not None and day < self.start:
            return False
        return not (self.until is not None and day >= self.until)


@dataclass(frozen=True)
class GpcRule:
    """Purposes a Global Privacy Control signal objects to in the regions `where` names."""

    where: tuple[str, ...]
    purposes: tuple[str, ...]
    start: date | None = None
    until: date | None = None

    def active(self, at: datetime) -> bool:
        span = Rule(self.where, self.purposes, LegalBasis.CONSENT, self.start, self.until)
        return span.active(at)


@dataclass(frozen=True)
class Basis:
    """The basis a policy gives one purpose in one region at one time, and the rule that says so."""

    basis: LegalBasis
    rule: Rule


@dataclass(frozen=True)
class Policy:
    """A validated policy. Build it with `load_policy` or `policy_from_toml`."""

    name: str
    description: str
    purposes: dict[str, Purpose]
    rules: tuple[Rule, ...]
    groups: dict[str, tuple[str, ...]]
    minor_default_age: int
    minor_ages: dict[str, int]
    gpc: tuple[GpcRule, ...]
    source: str = field(default="", compare=False, repr=False)
    origin: str = field(default="", compare=False)
    _expanded: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in self.groups:
            self._expanded[name] = expand_group(name, self.groups)

    # -- reading ---------------------------------------------------------------------
    def purpose(self, key: str) -> Purpose:
        """The purpose called `key`; PolicyError naming the known ones otherwise."""
        try:
            return self.purposes[key]
        except KeyError:
            known = ", ".join(self.purposes)
            raise PolicyError(
                f"unknown purpose {key!r}: policy {self.name} defines {known}"
            ) from None

    def basis_for(self, purpose: str, region: str, at: datetime) -> Basis:
        """The basis for `purpose` in `region` at `at`: the most specific active rule wins,
        and among equally specific rules the one written last. A region that is not a
        known code gets the strictest basis (module docstring)."""
        self.purpose(purpose)
        if region != ELSEWHERE and not is_region(region):
            elsewhere = self.basis_for(purpose, ELSEWHERE, at)
            if _STRICTNESS.index(elsewhere.basis) >= _STRICTNESS.index(LegalBasis.CONSENT):
                return elsewhere
            strictest = Rule((region,), (purpose,), LegalBasis.CONSENT)
            return Basis(LegalBasis.CONSENT, strictest)
        best: tuple[int, int, Rule] | None = None
        for index, rule in enumerate(self.rules):
            if not rule.active(at) or not ("*" in rule.purposes or purpose in rule.purposes):
                continue
            scores = [match_specificity(w, region, self._expanded) for w in rule.where]
            hits = [s for s in scores if s is not None]
            if not hits:
                continue
            key = (max(hits), index)
            if best is None or key > best[:2]:
                best = (key[0], key[1], rule)
        assert best is not None, "validation guarantees a wildcard rule for every purpose"
        return Basis(best[2].basis, best[2])

    def age_of_consent(self, region: str) -> int:
        """The age below which a member in `region` is never included (subdivision, then
        country, then the policy's default; the highest age the policy names for a
        region that is not a known code)."""
        if region != ELSEWHERE and not is_region(region):
            return self.strictest_age
        if region in self.minor_ages:
            return self.minor_ages[region]
        return self.minor_ages.get(country_of(region), self.minor_default_age)

    def gpc_purposes(self, region: str, at: datetime) -> tuple[str, ...]:
        """The purposes a GPC signal from a member in `region` objects to at `at` (for a
        region that is not a known code, every purpose an active GPC entry names)."""
        known = region == ELSEWHERE or is_region(region)
        out: list[str] = []
        for rule in self.gpc:
            if rule.active(at) and (
                not known
                or any(match_specificity(w, region, self._expanded) is not None for w in rule.where)
            ):
                out.extend(p for p in rule.purposes if p not in out)
        return tuple(out)

    @property
    def strictest_age(self) -> int:
        """The highest age of digital consent this policy names anywhere."""
        return max([self.minor_default_age, *self.minor_ages.values()])

    def checkpoints(self) -> list[date]:
        """Every date on which one of this policy's rules starts or stops applying."""
        spans: list[Rule | GpcRule] = [*self.rules, *self.gpc]
        days = {d for r in spans for d in (r.start, r.until) if d}
        return sorted(days)

    # -- identity --------------------------------------------------------------------
    def canonical(self) -> dict[str, Any]:
        """The content as plain JSON-able data, independent of the file's formatting."""

        def rule_dict(r: Rule | GpcRule) -> dict[str, Any]:
            d: dict[str, Any] = {"where": list(r.where), "purposes": list(r.purposes)}
            if isinstance(r, Rule):
                d["basis"] = r.basis
            d["from"] = r.start.isoformat() if r.start else None
            d["until"] = r.until.isoformat() if r.until else None
            return d

        return {
            "name": self.name,
            "description": self.description,
            "purposes": {
                k: {
                    "title": p.title,
                    "text": p.text,
                    "data_classes": sorted(p.data_classes),
                    "aipref": p.aipref,
                }
                for k, p in sorted(self.purposes.items())
            },
            "rules": [rule_dict(r) for r in self.rules],
            "groups": {k: list(v) for k, v in sorted(self.groups.items())},
            "minors": {
                "default_age": self.minor_default_age,
                "ages": dict(sorted(self.minor_ages.items())),
            },
            "gpc": [rule_dict(r) for r in self.gpc],
        }

    @property
    def content_hash(self) -> str:
        """sha256 (hex) of the canonical content."""
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


# -- loading and validation -----------------------------------------------------------
def preset_names() -> list[str]:
    """The presets shipped with Consentry."""
    folder = resources.files("consentry.consent") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_policy(source: str | Path) -> Policy:
    """Load a preset by name or a policy file by path, validated."""
    text_source = str(source)
    if text_source in preset_names():
        path = resources.files("consentry.consent") / "presets" / f"{text_source}.toml"
        return policy_from_toml(path.read_text(encoding="utf-8"), origin=f"preset {text_source}")
    path = Path(source)
    if not path.is_file():
        raise PolicyError(
            f"no policy preset or file named {text_source!r} (presets: {', '.join(preset_names())})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc})") from None
    return policy_from_toml(text, origin=str(path))


def policy_from_toml(text: str, *, origin: str = "<policy>") -> Policy:
    """Parse and validate a policy's TOML text; PolicyError names `origin` and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: not valid TOML ({exc})") from None
    try:
        return _build(data, text, origin)
    except PolicyError as exc:
        raise PolicyError(f"{origin}: {exc}") from None
    except ConsentryError as exc:
        raise PolicyError(f"{origin}: {exc}") from None


def _need(table: dict, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise PolicyError(f"{where} lacks `{key}`")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise PolicyError(f"{where}.{key} has the wrong type ({type(value).__name__})")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a non-empty list of strings")
    return tuple(value)


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise PolicyError(f"{where} must be a date like 2024-09-20")
    return value


_TOP = {"policy", "purposes", "rules", "groups", "minors", "gpc"}


def _build(data: dict[str, Any], text: str, origin: str) -> Policy:
    unknown = set(data) - _TOP
    if unknown:
        raise PolicyError(f"unknown table(s) {', '.join(sorted(unknown))}")
    head = _need(data, "policy", dict, "the file")
    name = _need(head, "name", str, "[policy]")
    if not _SLUG.match(name):
        raise PolicyError(f"[policy].name {name!r} must be a lowercase slug like consent-first")
    description = head.get("description", "")

    groups: dict[str, tuple[str, ...]] = dict(BUILTIN_GROUPS)
    for gname, members in _need_opt(data, "groups", dict).items():
        if not _GROUP.match(gname):
            raise PolicyError(f"group name {gname!r} must be upper case, like EU")
        groups[gname] = _strings(members, f"[groups].{gname}")
    for gname, members in groups.items():
        for code in members:
            if code not in groups and not is_region(code):
                raise PolicyError(f"group {gname} names unknown region code {code!r}")

    purposes: dict[str, Purpose] = {}
    for key, table in _need(data, "purposes", dict, "the file").items():
        where = f"[purposes.{key}]"
        if not _SLUG.match(key) or not isinstance(table, dict):
            raise PolicyError(f"{where} is not a purpose table with a lowercase slug name")
        classes = _strings(_need(table, "data_classes", list, where), f"{where}.data_classes")
        for dc in classes:
            if dc not in DATA_CLASSES:
                raise PolicyError(f"{where} names unknown data class {dc!r}")
            if dc in NEVER_TRAINABLE:
                raise PolicyError(f"{where} lists {dc!r}: private messages are never trainable")
        aipref = table.get("aipref")
        if aipref is not None and aipref not in AIPREF_CATEGORIES:
            raise PolicyError(f"{where}.aipref must be one of {', '.join(AIPREF_CATEGORIES)}")
        purposes[key] = Purpose(
            key=key,
            title=_need(table, "title", str, where),
            text=_need(table, "text", str, where),
            data_classes=tuple(sorted(set(classes))),
            aipref=aipref,
        )
    if not purposes:
        raise PolicyError("defines no purposes")

    def where_list(value: Any, at: str) -> tuple[str, ...]:
        entries = _strings(value, at)
        for w in entries:
            if w != "*" and w not in groups and not is_region(w):
                raise PolicyError(f"{at} names unknown region or group {w!r}")
        return entries

    def purpose_list(value: Any, at: str) -> tuple[str, ...]:
        entries = _strings(value, at)
        for p in entries:
            if p != "*" and p not in purposes:
                raise PolicyError(f"{at} names unknown purpose {p!r}")
        return entries

    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise PolicyError("needs at least one [[rules]] entry")
    for i, table in enumerate(raw_rules, 1):
        at = f"rule {i}"
        if not isinstance(table, dict):
            raise PolicyError(f"{at} is not a table")
        extra = set(table) - {"where", "purposes", "basis", "from", "until"}
        if extra:
            raise PolicyError(f"{at} has unknown key(s) {', '.join(sorted(extra))}")
        basis = _need(table, "basis", str, at)
        if basis not in BASES:
            raise PolicyError(f"{at}: basis {basis!r} must be one of {', '.join(BASES)}")
        rule = Rule(
            where=where_list(table.get("where"), f"{at}.where"),
            purposes=purpose_list(table.get("purposes"), f"{at}.purposes"),
            basis=LegalBasis(basis),
            start=_date(table.get("from"), f"{at}.from"),
            until=_date(table.get("until"), f"{at}.until"),
        )
        if rule.start and rule.until and rule.until <= rule.start:
            raise PolicyError(f"{at}: `until` must come after `from`")
        rules.append(rule)
    for key in purposes:
        if not any(
            "*" in r.where
            and ("*" in r.purposes or key in r.purposes)
            and not r.start
            and not r.until
            for r in rules
        ):
            raise PolicyError(
                f'purpose {key} needs a rule for every region (where = ["*"], no dates)'
            )

    minors = _need_opt(data, "minors", dict)
    default_age = minors.get("default_age", 18)
    ages = minors.get("ages", {})
    if not isinstance(ages, dict):
        raise PolicyError("[minors].ages must be a table of region = age")
    for code, age in [("default_age", default_age), *ages.items()]:
        if code != "default_age" and not is_region(code):
            raise PolicyError(f"[minors].ages names unknown region code {code!r}")
        if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 25:
            raise PolicyError(f"[minors] age for {code} must be a whole number from 0 to 25")

    gpc: list[GpcRule] = []
    raw_gpc = data.get("gpc", [])
    if not isinstance(raw_gpc, list):
        raise PolicyError("gpc must be written as [[gpc]] entries")
    for i, table in enumerate(raw_gpc, 1):
        at = f"gpc entry {i}"
        if not isinstance(table, dict):
            raise PolicyError(f"{at} is not a table")
        gpc.append(
            GpcRule(
                where=where_list(table.get("where"), f"{at}.where"),
                purposes=purpose_list(table.get("purposes"), f"{at}.purposes"),
                start=_date(table.get("from"), f"{at}.from"),
                until=_date(table.get("until"), f"{at}.until"),
            )
        )
    return Policy(
        name=name,
        description=description if isinstance(description, str) else "",
        purposes=purposes,
        rules=tuple(rules),
        groups={k: v for k, v in groups.items()},
        minor_default_age=default_age,
        minor_ages=dict(ages),
        gpc=tuple(gpc),
        source=text,
        origin=origin,
    )


def _need_opt(data: dict, key: str, kind: type) -> Any:
    value = data.get(key, kind())
    if not isinstance(value, kind):
        raise PolicyError(f"`{key}` has the wrong type ({type(value).__name__})")
    return value


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`, as a naive datetime."""
    return datetime.combine(day, time())


__all__ = [
    "BASES",
    "ELSEWHERE",
    "NEVER_TRAINABLE",
    "WILDCARD",
    "Basis",
    "GpcRule",
    "LegalBasis",
    "Policy",
    "PolicyError",
    "Purpose",
    "Rule",
    "day_start",
    "load_policy",
    "policy_from_toml",
    "preset_names",
]
