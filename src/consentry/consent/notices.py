"""Notices: a new policy version is announced before it applies.

While a version is in its notice period, each member can see what it changes for them
(`pending_notices`), and act before it applies. Showing the notice is recorded in the
ledger (`record_notice_shown`), so it can be proven which notice each member saw.

A notice lists exactly the settings whose effect changes for the member: a purpose that
goes from used to not used or back, one that will use more of their data while it is
on, and a purpose that is new. A change of legal basis that leaves the member's setting
as it is (their "yes" now rests on legitimate interest instead of consent) is not one.
Each change says what happens in words (`NoticeChange.sentence`) and offers the one
action that fits it (`NoticeChange.action`), or none where nothing the member does now
would count (excluded, under age, or a grant that must be renewed under the new version).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consentry.consent.decide import (
    Decision,
    DecisionCode,
    MemberFacts,
    decide,
    human_date,
    member_facts,
)
from consentry.consent.ledger import ConsentChange, LedgerEntry, append, with_retry
from consentry.consent.policy import LegalBasis, day_start
from consentry.consent.versions import ActivePolicy, announced, resolve_policy, versions
from consentry.errors import ConsentryError, NotFound
from consentry.store.consent_tables import ConsentAction, ConsentEvent, ConsentSource
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member


class NoticeAction(StrEnum):
    """What a member can do about one change before it applies; `choice` is what the
    Data for AI setting is set to."""

    KEEP_OFF = "Keep it off"
    KEEP_ON = "Keep it on"
    TURN_OFF = "Turn it off"
    TURN_ON = "Turn it on"

    @property
    def choice(self) -> str:
        return "off" if self in (NoticeAction.KEEP_OFF, NoticeAction.TURN_OFF) else "on"


#: How data classes are named in a sentence, in the order a member thinks of them.
_CLASS_WORDS = {
    "profile": "profile",
    "post": "posts",
    "article": "articles",
    "comment": "comments",
    "job": "job postings",
}
#: Reasons the member cannot change by acting now.
_FIXED = frozenset({DecisionCode.EXCLUDED, DecisionCode.UNDER_AGE, DecisionCode.ERASED})


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _classes(data_classes: tuple[str, ...]) -> str:
    known = [w for c, w in _CLASS_WORDS.items() if c in data_classes]
    return _words(known + [c for c in data_classes if c not in _CLASS_WORDS])


@dataclass(frozen=True)
class NoticeChange:
    """What one purpose becomes for this member when the new version applies."""

    purpose: str
    title: str
    before: Decision
    after: Decision
    widened_to: tuple[str, ...]
    applies_from: datetime
    data_classes: tuple[str, ...] = ()
    new_purpose: bool = False

    @property
    def sentence(self) -> str:
        """The change in words: `From 3 November 2025, your profile, posts, articles and
        comments will be used for content-creation AI unless you turn it off.`"""
        when = human_date(self.applies_from)
        yours = f"your {_classes(self.data_classes)}"
        use = f"for {self.title[:1].lower()}{self.title[1:]}"
        now, then = self.before.allowed, self.after.allowed
        if self.new_purpose:
            if then:
                return f"From {when}, {yours} will also be used {use} unless you turn it off."
            return (
                f"From {when}, you can allow {yours} to be used {use}; it stays off unless you do."
            )
        if then and not now:
            if self.after.code == DecisionCode.DEFAULT_ON:
                return f"From {when}, {yours} will be used {use} unless you turn it off."
            return f"From {when}, {yours} will be used {use}, as you allowed."
        if now and not then:
            if self.after.code in _FIXED:
                return f"From {when}, {yours} will no longer be used {use}."
            if self.after.code == DecisionCode.RENEWAL_NEEDED:
                return (
                    f"From {when}, {use[4:]} will also use your {_classes(self.widened_to)}, "
                    f"so {yours} will no longer be used for it until you allow it again."
                )
            return f"From {when}, {yours} will no longer be used {use} unless you allow it."
        # On before and after, but over more of the member's data.
        return (
            f"From {when}, {use[4:]} will also use your {_classes(self.widened_to)} "
            "unless you turn it off."
        )

    @property
    def action(self) -> NoticeAction | None:
        """The one action that fits, or None where acting now would change nothing."""
        if self.after.code in _FIXED or self.after.code == DecisionCode.RENEWAL_NEEDED:
            return None
        if self.new_purpose:
            return NoticeAction.TURN_OFF if self.after.allowed else NoticeAction.TURN_ON
        if self.after.allowed:
            return NoticeAction.TURN_OFF if self.before.allowed else NoticeAction.KEEP_OFF
        return NoticeAction.KEEP_ON

    @property
    def summary(self) -> str:
        """One line for the command line: the sentence and the reason behind it."""
        return f"{self.title}: {self.sentence} ({self.after.reason})"


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
            # Only what the member would notice: whether their data is used, or (while it
            # is) how much of it. A new purpose is a new setting, whatever its state.
            changed = before.allowed != after.allowed or bool(widened and after.allowed)
            if old is None or changed:
                changes.append(
                    NoticeChange(
                        key,
                        purpose.title,
                        before,
                        after,
                        widened,
                        moment,
                        data_classes=purpose.data_classes,
                        new_purpose=old is None,
                    )
                )
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
