"""Moving to another region: the member's decisions follow, and so do live datasets.

Which rules apply to a member depends on their region (`consent.decide`), so a move can
turn a purpose off (a move into the EU under `linkedin-2024` excludes training) or on
(a legitimate-interest purpose the new region allows by default). Two steps, one rule:

- `region_preview(session, member, new)` says, writing nothing, which purposes' decisions
  flip: each purpose decided under the policy in force now, as the member lives, and as
  if they lived in `new` (the age of digital consent of `new` included);
- `move_region(session, member, new)` carries the move out in the caller's transaction:
  the member's region, a `RegionChange` row (the history an auditor reads to see why a
  decision changed) and a queued refresh (`rights.refresh.request_refresh`, reason
  `region`), so every live dataset re-selects the member's records and drops those the
  new region does not allow. The three commit together or not at all.

No ledger entry is written: a move is not a consent choice, and the member's own
choices stand as they were (a "yes" given in one region still counts where the new
region asks for consent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.consent.decide import Decision, MemberFacts, decide
from consentry.consent.versions import resolve_policy
from consentry.errors import InvalidInput
from consentry.regions import normalise_region, region_name
from consentry.rights.refresh import request_refresh
from consentry.store.engine import utcnow
from consentry.store.social_tables import RegionChange
from consentry.store.tables import Member


@dataclass(frozen=True)
class Flip:
    """A purpose whose decision changes with the move."""

    purpose: str
    title: str
    before: Decision
    after: Decision


@dataclass(frozen=True)
class RegionMove:
    """A move, previewed or done: from where to where, and what it changes."""

    old_region: str
    new_region: str
    flips: tuple[Flip, ...]
    refresh_job_id: int | None = None

    @property
    def old_name(self) -> str:
        return region_name(self.old_region)

    @property
    def new_name(self) -> str:
        return region_name(self.new_region)


def _flips(session: Session, member: Member, old: str, new: str) -> tuple[Flip, ...]:
    """Purposes decided otherwise for `member` in region `new` than in `old`, now."""
    active = resolve_policy(session)
    here = MemberFacts(member.id, old, member.birth_date)
    there = MemberFacts(member.id, new, member.birth_date)
    flips = []
    for key, purpose in active.policy.purposes.items():
        before = decide(session, here, key, policy=active)
        after = decide(session, there, key, policy=active)
        if before.allowed != after.allowed:
            flips.append(Flip(key, purpose.title, before, after))
    return tuple(flips)


def region_preview(session: Session, member: Member, new: str) -> RegionMove:
    """What moving `member` to `new` would change; writes nothing. Raises InvalidInput
    for an unknown region code or the member's present region."""
    region = normalise_region(new)
    if region == member.region:
        raise InvalidInput(f"Your region is {region} already.")
    return RegionMove(member.region, region, _flips(session, member, member.region, region))


def last_move(session: Session, member: Member) -> tuple[RegionMove, datetime] | None:
    """The member's latest move and when it happened, with what it changed as the rules
    stand now; None if they never moved (or moved again since, by some other way)."""
    row = session.scalars(
        select(RegionChange)
        .where(RegionChange.member_id == member.id)
        .order_by(RegionChange.changed_at.desc(), RegionChange.id.desc())
        .limit(1)
    ).first()
    if row is None or row.new_region != member.region:
        return None
    flips = _flips(session, member, row.old_region, row.new_region)
    return RegionMove(row.old_region, row.new_region, flips), row.changed_at


def move_region(session: Session, member: Member, new: str) -> RegionMove:
    """Move `member` to region `new` (see the module docstring); the caller commits.
    Raises InvalidInput, nothing changed, like `region_preview`."""
    preview = region_preview(session, member, new)
    now = utcnow()
    session.add(
        RegionChange(
            member_id=member.id,
            old_region=preview.old_region,
            new_region=preview.new_region,
            changed_at=now,
        )
    )
    member.region = preview.new_region
    member.updated_at = now
    session.flush()
    job = request_refresh(session, member.id, reason="region")
    return RegionMove(preview.old_region, preview.new_region, preview.flips, job)
