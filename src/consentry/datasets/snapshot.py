"""The snapshot a build reads: a ledger position and time, the policy that applied, and
the batch decisions of every member for the purpose as of then."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import FromClause, func, select
from sqlalchemy.orm import Session

from consentry.consent import ledger
from consentry.consent.decide_batch import decide_all
from consentry.consent.policy import Purpose
from consentry.consent.versions import resolve_policy
from consentry.errors import InvalidInput
from consentry.regions import is_region
from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import get_row, utcnow
from consentry.store.tables import Member


@dataclass(frozen=True)
class Snapshot:
    """What a dataset is built as of: ledger position `seq` (hash `head_hash`) at time `at`,
    under policy `policy_version`, with `decisions` the batch-decision relation."""

    purpose: str
    purpose_def: Purpose
    seq: int
    head_hash: str
    at: datetime
    policy_version: int
    policy_hash: str
    decisions: FromClause
    #: The members' region codes that are valid ISO codes: an author in any other region
    #: (a stored row no migration could read) is left out as `jurisdiction`, since no
    #: rule of the policy can be known to apply to them.
    regions: tuple[str, ...] = ()
    #: When the build started: deletions up to then count, whatever the as-of position.
    started_at: datetime | None = None


def take(
    session: Session, *, purpose: str, as_of: int | None = None, policy_version: int | None = None
) -> Snapshot:
    """The snapshot for a build of `purpose` as of ledger position `as_of` (default: the
    head now). An explicit position takes the time of its own entry, so a rebuild as of
    the same position reads the same network and the same decisions.
    """
    head = ledger.head(session)
    if as_of is None or as_of == head.seq:
        seq, digest, at = head.seq, head.hash, utcnow()
    else:
        if as_of > head.seq:
            raise InvalidInput(
                f"ledger position {as_of} does not exist yet; the head is at {head.seq}"
            )
        seq = as_of
        if as_of == 0:
            digest, at = ledger.GENESIS, _first_time(session)
        else:
            entry = get_row(session, ConsentEvent, as_of)
            digest, at = entry.hash, entry.occurred_at
    snap = at_position(
        session, purpose=purpose, seq=seq, head_hash=digest, at=at, policy_version=policy_version
    )
    return replace(snap, started_at=max(utcnow(), at))


def at_position(
    session: Session,
    *,
    purpose: str,
    seq: int,
    head_hash: str,
    at: datetime,
    policy_version: int | None = None,
) -> Snapshot:
    """The snapshot at an exactly known (position, hash, time): what an audit re-derives."""
    active = resolve_policy(session, at, version=policy_version)
    purpose_def = active.policy.purpose(purpose)
    trainable = tuple(c for c in purpose_def.data_classes if c != "message")
    if not trainable:
        raise InvalidInput(f"purpose {purpose!r} uses no trainable data class")
    decisions = decide_all(session, purpose, as_of_seq=seq, at=at, policy=active).subquery(
        "decisions"
    )
    regions = tuple(
        sorted(r for r in session.scalars(select(Member.region).distinct()) if is_region(r))
    )
    return Snapshot(
        purpose=purpose,
        regions=regions,
        purpose_def=Purpose(
            purpose_def.key, purpose_def.title, purpose_def.text, trainable, purpose_def.aipref
        ),
        seq=seq,
        head_hash=head_hash,
        at=at,
        policy_version=active.version,
        policy_hash=active.content_hash,
        decisions=decisions,
    )


def _first_time(session: Session) -> datetime:
    first = session.scalar(select(func.min(Member.created_at)))
    return first or utcnow()


def count_rows():
    return func.count()


def count_distinct(column):
    return func.count(func.distinct(column))
