"""The audit's own reading of the policy and of each member's decision: a second,
deliberately simple implementation, written apart from the build's code path.

Nothing here imports the decision code (`consent/decide.py`), the consented query
(`datasets/eligibility.py`) or the build. The policy is read from the document stored in
`policy_versions` (its TOML source) and its rule table evaluated in a few lines; a
member's choices are read from the ledger (`consent_events`) with plain SELECTs. If the
two implementations ever disagree, the audit says so — which is the point of having two.

The rules, as the audit applies them to one member, one purpose, ledger position T and
time t:

- the region must be a known ISO 3166-1 alpha-2 or ISO 3166-2 code, written in its
  canonical upper-case form (an unknown region is a finding, not "elsewhere");
- the member must be at least the age of digital consent of the region (a subdivision's,
  else its country's, else the policy's default; the highest age the policy names when
  the region is unknown) on the day of t;
- an erasure at or before T denies everything;
- the basis is that of the most specific rule active on t's day (subdivision > country >
  group > `*`; among equals the one written last): `excluded` denies; `consent` needs a
  grant as the latest choice at or before T, recorded under a version at least as new as
  the last one that widened the purpose; `legitimate-interest` allows unless the latest
  choice is a withdrawal or an objection.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.consent.jurisdictions import BUILTIN_GROUPS
from consentry.store.consent_tables import ConsentEvent, PolicyVersion
from consentry.store.tables import Member

_DECIDING = ("grant", "withdraw", "object")


@lru_cache(maxsize=4096)
def valid_region(code: str) -> bool:
    """A known ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision, in canonical form."""
    if not isinstance(code, str) or code != code.upper():
        return False
    if "-" in code:
        return pycountry.subdivisions.get(code=code) is not None
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _country(region: str) -> str:
    return region.split("-", 1)[0]


def age_on(born: date, day: date) -> int:
    """Whole years between `born` and `day` (born 29 February: of age on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class RuleTable:
    """One stored policy version, read for the audit: its purposes, rule rows, groups and
    ages, nothing more."""

    version: int
    content_hash: str
    purposes: dict[str, dict]
    rules: list[dict]
    groups: dict[str, frozenset[str]]
    default_age: int
    ages: dict[str, int]
    #: purpose -> the newest version up to this one that widened it (grants before it lapse).
    renewal_floor: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, row: PolicyVersion, floor: dict[str, int]) -> RuleTable:
        doc = tomllib.loads(row.source)
        raw = {**BUILTIN_GROUPS, **{k: tuple(v) for k, v in doc.get("groups", {}).items()}}

        def expand(name: str, seen: tuple[str, ...] = ()) -> set[str]:
            out: set[str] = set()
            for entry in raw[name]:
                if entry in raw and entry != name and entry not in seen:
                    out |= expand(entry, (*seen, name))
                else:
                    out.add(entry)
            return out

        minors = doc.get("minors", {})
        return cls(
            version=row.version,
            content_hash=row.content_hash,
            purposes=doc["purposes"],
            rules=list(doc["rules"]),
            groups={name: frozenset(expand(name)) for name in raw},
            default_age=minors.get("default_age", 18),
            ages=dict(minors.get("ages", {})),
            renewal_floor=floor,
        )

    def data_classes(self, purpose: str) -> frozenset[str]:
        return frozenset(self.purposes[purpose]["data_classes"]) - {"message"}

    def aipref(self, purpose: str) -> str | None:
        return self.purposes[purpose].get("aipref")

    def _score(self, where: str, region: str) -> int | None:
        if where == "*":
            return 0
        if where in self.groups:
            members = self.groups[where]
            return 1 if region in members or _country(region) in members else None
        if where == region:
            return 3 if "-" in region else 2
        return 2 if where == _country(region) else None

    def basis(self, purpose: str, region: str, day: date) -> str:
        """The basis of the most specific rule for `purpose` in `region` active on `day`."""
        best: tuple[int, int] | None = None
        basis = "consent"
        for index, rule in enumerate(self.rules):
            start, until = rule.get("from"), rule.get("until")
            if (start and day < start) or (until and day >= until):
                continue
            if "*" not in rule["purposes"] and purpose not in rule["purposes"]:
                continue
            scores = [s for w in rule["where"] if (s := self._score(w, region)) is not None]
            if scores and (best is None or (max(scores), index) > best):
                best, basis = (max(scores), index), rule["basis"]
        return basis

    def age(self, region: str) -> int:
        """The age of digital consent in `region`; the highest the policy names when the
        region is unknown."""
        if not valid_region(region):
            return max([self.default_age, *self.ages.values()])
        return self.ages.get(region, self.ages.get(_country(region), self.default_age))


def policy_at(session: Session, at: datetime, version: int | None = None) -> RuleTable:
    """The stored policy version that applied at `at` (published and past its notice
    period by then), or exactly `version`."""
    rows = list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.version)))
    if version is None:
        applying = [r for r in rows if r.published_at <= at and r.effective_at <= at]
        if not applying:
            raise LookupError(f"no policy version applied at {at:%Y-%m-%d %H:%M}")
        chosen = applying[-1]
    else:
        found = [r for r in rows if r.version == version]
        if not found:
            raise LookupError(f"policy version {version} is not published")
        chosen = found[0]
    floor: dict[str, int] = {}
    for r in rows:
        if r.version <= chosen.version:
            for purpose in filter(None, r.widened.split(",")):
                floor[purpose] = r.version
    return RuleTable.parse(chosen, floor)


@dataclass(frozen=True)
class Author:
    """What the audit needs to know about a record's author, read from `members`."""

    id: int
    region: str
    birth_date: date
    created_at: datetime
    deleted_at: datetime | None


def authors(session: Session, ids: Collection[int]) -> dict[int, Author]:
    out: dict[int, Author] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 5_000):
        chunk = wanted[i : i + 5_000]
        for row in session.execute(
            select(
                Member.id, Member.region, Member.birth_date, Member.created_at, Member.deleted_at
            ).where(Member.id.in_(chunk))
        ):
            out[row.id] = Author(*row)
    return out


@dataclass(frozen=True)
class Choices:
    """The ledger as of one position, for one purpose: each member's latest deciding
    choice (action, policy version it was recorded under, seq) and who had erased."""

    latest: dict[int, tuple[str, int, int]]
    erased: dict[int, int]


def choices_at(session: Session, purpose: str, seq: int) -> Choices:
    """Plain SELECTs over `consent_events` up to position `seq`."""
    last = (
        select(ConsentEvent.member_id, func.max(ConsentEvent.seq).label("seq"))
        .where(
            ConsentEvent.purpose == purpose,
            ConsentEvent.action.in_(_DECIDING),
            ConsentEvent.seq <= seq,
        )
        .group_by(ConsentEvent.member_id)
        .subquery()
    )
    latest = {
        row.member_id: (row.action, row.policy_version, row.seq)
        for row in session.execute(
            select(
                ConsentEvent.member_id,
                ConsentEvent.action,
                ConsentEvent.policy_version,
                ConsentEvent.seq,
            ).join(last, last.c.seq == ConsentEvent.seq)
        )
    }
    erased = dict(
        session.execute(
            select(ConsentEvent.member_id, func.min(ConsentEvent.seq))
            .where(
                ConsentEvent.purpose == "*",
                ConsentEvent.action == "erase",
                ConsentEvent.seq <= seq,
            )
            .group_by(ConsentEvent.member_id)
        ).all()
    )
    return Choices(latest, erased)


def denial(
    author: Author, purpose: str, policy: RuleTable, choices: Choices, at: datetime
) -> tuple[str, str] | None:
    """Why `author` was not allowed `purpose` at (`choices`' position, `at`), as
    (finding kind, sentence); None when allowed. Kinds: unknown-region, under-age,
    erased, excluded, not-allowed."""
    if not valid_region(author.region):
        return "unknown-region", f"the member's region {author.region!r} is not a known region"
    need = policy.age(author.region)
    age = age_on(author.birth_date, at.date())
    if age < need:
        return "under-age", f"the member was {age}, under {need} in {author.region}"
    if author.id in choices.erased:
        return (
            "erased",
            f"the member erased their account at ledger entry {choices.erased[author.id]}",
        )
    basis = policy.basis(purpose, author.region, at.date())
    if basis == "excluded":
        return (
            "excluded",
            f"{purpose} is never allowed in {author.region} (policy v{policy.version})",
        )
    action, version, seq = choices.latest.get(author.id, ("", 0, 0))
    if action in ("withdraw", "object"):
        return "not-allowed", f"the member's latest choice was {action} (ledger entry {seq})"
    if basis == "consent":
        if action != "grant":
            return "not-allowed", f"{purpose} needs consent in {author.region} and none was given"
        if version < policy.renewal_floor.get(purpose, 0):
            return "not-allowed", (
                f"the grant at ledger entry {seq} predates policy v"
                f"{policy.renewal_floor[purpose]}, which widened {purpose}"
            )
    return None
