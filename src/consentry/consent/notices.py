"""Notices: a new policy version is announced before it applies.

While a version is in its notice period, each member can see what it changes for them
(`pending_notices`), and act before it applies. Showing the notice is recorded in the
ledger (`record_notice_shown`), so it can be proven which notice each member saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consentry.consent.decide import Decision, DecisionCode, MemberFacts, decide, member_facts
from consentry.consent.ledger import ConsentChange, LedgerEntry, append, with_retry
from consentry.consent.policy import LegalBasis, day_start
from consentry.consent.versions import ActivePolicy, announced, resolve_policy, versions
from consentry.errors import ConsentryError, NotFound
from consentry.store.consent_tables import ConsentAction, ConsentEvent, ConsentSource
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member


@dataclass(frozen=True)
class NoticeChange:
    """What one purpose becomes for this member when the new version applies."""

    purpose: str
    title: str
    before: Decision
    after: Decision
    widened_to: tuple[str, ...]
    applies_from: datetime

    @property
    def summary(self) -> str:
        now = "on" if self.before.allowed else "off"
        then = "on" if self.after.allowed else "off"
        text = (
            f"{self.title}: now {now} ({self.before.reason}); "
            f"from {self.applies_from:%Y-%m-%d} {then} ({self.after.reason})"
        )
        if self.widened_to:
            text += f"; it will also use your {', '.join(self.widened_to)}"
        return text


@dataclass(frozen=True)
class Notice:
    """An announced policy version and what it changes for one member."""

    version: int
    name: str
    published_at: datetime
    effective_at: datetime
    changes: tuple[NoticeChange, ...]
    shown: bool

    @property
    def affects_member(self) -> bool:
        return bool(self.changes)


def _shown(session: Session, member_id: int) -> set[int]:
    rows = session.scalars(
        select(ConsentEvent.notice_version).where(
            ConsentEvent.member_id == member_id, ConsentEvent.action == ConsentAction.NOTICE_SHOWN
        )
    )
    return {v for v in rows if v is not None}


def notice_for(
    session: Session, member: MemberFacts, upcoming: ActivePolicy, at: datetime
) -> Notice:
    """What `upcoming` changes for `member`: each purpose's decision now versus when it
    applies (with the member's choices as they stand at `at`)."""
    current = resolve_policy(session, at)
    # The new version's own dated rules may change things after it starts applying.
    moments = [upcoming.effective_at] + [
        day_start(d) for d in upcoming.policy.checkpoints() if day_start(d) > upcoming.effective_at
    ]
    changes = []
    for key, purpose in upcoming.policy.purposes.items():
        old = current.policy.purposes.get(key)
        before = decide(session, member, key, at=at, policy=current) if old is not None else None
        widened = tuple(sorted(set(purpose.data_classes) - set(old.data_classes))) if old else ()
        for moment in moments:
            after = decide(session, member, key, at=moment, policy=upcoming)
            if before is None:
                # A purpose that does not exist yet allows nothing, like an excluded one.
                before = Decision(
                    False,
                    LegalBasis.EXCLUDED,
                    "This purpose does not exist yet",
                    DecisionCode.NOT_ALLOWED,
                    member.id,
                    key,
                    after.as_of_seq,
                    at,
                    current.version,
                )
            # A new purpose is always a change, whatever basis it comes with.
            changed = before.allowed != after.allowed or before.basis != after.basis
            if old is None or changed or widened:
                changes.append(NoticeChange(key, purpose.title, before, after, widened, moment))
                break
    return Notice(
        version=upcoming.version,
        name=upcoming.policy.name,
        published_at=upcoming.published_at,
        effective_at=upcoming.effective_at,
        changes=tuple(changes),
        shown=upcoming.version in _shown(session, member.id),
    )


def pending_notices(
    session: Session, member: Member | MemberFacts | int, at: datetime | None = None
) -> list[Notice]:
    """Every version announced but not yet applying at `at`, with what it changes for
    this member (a notice with no changes does not affect them)."""
    at = at or utcnow()
    facts = member_facts(session, member)
    return [notice_for(session, facts, v, at) for v in announced(session, at)]


def record_notice_shown(
    session: Session,
    member: Member | MemberFacts | int,
    version: int,
    at: datetime | None = None,
    *,
    source: str = ConsentSource.SETTINGS,
    actor: str | None = None,
) -> LedgerEntry:
    """Append to the ledger that `member` was shown the notice of policy `version`."""
    facts = member_facts(session, member)
    if version not in {v.version for v in versions(session)}:
        raise NotFound(f"no policy version {version} has been published")
    current = resolve_policy(session, at)
    (entry,) = append(
        session,
        [
            ConsentChange(
                member_id=facts.id,
                purpose="*",
                action=ConsentAction.NOTICE_SHOWN,
                source=source,
                actor=actor or f"member:{facts.id}",
                policy_version=current.version,
                notice_version=version,
                occurred_at=at,
            )
        ],
    )
    return entry


def notices_affecting(session: Session, member_id: int) -> list[Notice]:
    """Announced versions that change something for this member (cheap when none is;
    empty while no policy is published)."""
    try:
        if not announced(session):
            return []
        return [n for n in pending_notices(session, member_id) if n.affects_member]
    except ConsentryError:  # no policy published yet
        return []


def show_notices(
    engine: Engine, member_id: int, *, source: str = ConsentSource.SETTINGS
) -> list[Notice]:
    """The notices affecting `member_id` now (as they stood before this call), recording
    in the ledger, once per version, that the member was shown each.

    Its own unit of work (a ledger append): the notices are read in a short transaction
    first, so showing notices already recorded takes no write lock; the caller holds no
    open transaction.
    """
    with session_scope(engine) as session:
        found = notices_affecting(session, member_id)
    unseen = [n.version for n in found if not n.shown]
    if unseen:

        def work(session: Session) -> None:
            for version in unseen:
                record_notice_shown(
                    session, member_id, version, source=source, actor=f"member:{member_id}"
                )

        with_retry(engine, work)
    return found
