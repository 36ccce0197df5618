"""Consent rates: the share of members whose data may be used, per purpose and region.

Computed with the batch decisions (`consent.decide_batch.decide_all`), one set-based query per
purpose, as of the ledger head and the policy version that applies now — so the figures
follow exactly the rules a dataset build would apply at this moment. Only live accounts
count (an erased or deleted account is not a member any more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from consentry.consent import ledger
from consentry.consent.decide_batch import decide_all
from consentry.consent.jurisdictions import region_name
from consentry.consent.versions import resolve_policy
from consentry.store.engine import utcnow
from consentry.store.tables import Member

ALL_REGIONS = "*"
OTHER_REGIONS = "other"


@dataclass(frozen=True)
class PurposeLabel:
    key: str
    title: str


@dataclass
class RegionRate:
    """How many members of one region (or group of regions) allow each purpose."""

    region: str
    name: str
    members: int = 0
    allowed: dict[str, int] = field(default_factory=dict)

    def share(self, purpose: str) -> float:
        """Allowed members / members, 0.0 for an empty group."""
        return self.allowed.get(purpose, 0) / self.members if self.members else 0.0

    def add(self, other: RegionRate) -> None:
        self.members += other.members
        for purpose, count in other.allowed.items():
            self.allowed[purpose] = self.allowed.get(purpose, 0) + count


@dataclass(frozen=True)
class ConsentRates:
    """Rates as of ledger position `as_of_seq` (hash `as_of_hash`) and time `at`,
    under policy version `policy_version`. `regions` is sorted by members, largest first."""

    as_of_seq: int
    as_of_hash: str
    at: datetime
    policy_version: int
    policy_name: str
    purposes: tuple[PurposeLabel, ...]
    regions: tuple[RegionRate, ...]

    @property
    def total(self) -> RegionRate:
        whole = RegionRate(ALL_REGIONS, "All regions")
        for rate in self.regions:
            whole.add(rate)
        return whole

    def largest(self, n: int) -> list[RegionRate]:
        """The `n` largest regions, then every other region as one group (if any)."""
        head = list(self.regions[:n])
        rest = self.regions[n:]
        if rest:
            other = RegionRate(OTHER_REGIONS, f"Other regions ({len(rest)})")
            for rate in rest:
                other.add(rate)
            head.append(other)
        return head


def consent_rates(session: Session, *, at: datetime | None = None) -> ConsentRates:
    """Consent rates now (or at `at`) as of the ledger head; see the module docstring."""
    at = at or utcnow()
    head = ledger.head(session)
    active = resolve_policy(session, at)
    purposes = tuple(PurposeLabel(p.key, p.title) for p in active.policy.purposes.values())
    by_region: dict[str, RegionRate] = {}
    for purpose in purposes:
        decisions = decide_all(
            session, purpose.key, as_of_seq=head.seq, at=at, policy=active
        ).subquery("decisions")
        rows = session.execute(
            select(
                Member.region,
                func.count(),
                func.sum(case((decisions.c.allowed, 1), else_=0)),
            )
            .join(decisions, decisions.c.member_id == Member.id)
            .where(Member.deleted_at.is_(None))
            .group_by(Member.region)
        )
        for region, members, allowed in rows:
            rate = by_region.setdefault(region, RegionRate(region, region_name(region)))
            rate.members = int(members)
            rate.allowed[purpose.key] = int(allowed or 0)
    regions = tuple(sorted(by_region.values(), key=lambda r: (-r.members, r.region)))
    return ConsentRates(
        as_of_seq=head.seq,
        as_of_hash=head.hash,
        at=at,
        policy_version=active.version,
        policy_name=active.policy.name,
        purposes=purposes,
        regions=regions,
    )
