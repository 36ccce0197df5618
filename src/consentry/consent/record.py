"""Recording a member's choices: the one API the web app, the CLI and importers call.

Every choice is validated against the policy that applies (purpose known, action one of
grant/withdraw/object) before anything is written, and is appended to the ledger with
the policy version in force and the last notice the member was shown.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.consent.decide import MemberFacts, member_facts
from consentry.consent.ledger import ConsentChange, LedgerEntry, append
from consentry.consent.versions import ActivePolicy, resolve_policy
from consentry.errors import InvalidInput
from consentry.store.consent_tables import SOURCES, ConsentAction, ConsentEvent
from consentry.store.tables import Member

#: The actions a member chooses for one purpose (an erasure covers every purpose).
CHOICE_ACTIONS = (ConsentAction.GRANT, ConsentAction.WITHDRAW, ConsentAction.OBJECT)


def last_notice_shown(session: Session, member_id: int) -> int | None:
    """The newest policy version whose notice this member was shown, if any."""
    return session.scalar(
        select(func.max(ConsentEvent.notice_version)).where(
            ConsentEvent.member_id == member_id, ConsentEvent.action == ConsentAction.NOTICE_SHOWN
        )
    )


def record_choice(
    session: Session,
    member: Member | MemberFacts | int,
    purpose: str,
    action: str,
    *,
    source: str,
    actor: str,
    at: datetime | None = None,
    policy: ActivePolicy | None = None,
) -> LedgerEntry:
    """Append one choice (`grant`, `withdraw` or `object`) for `member` and `purpose`.

    Raises ConsentryError, writing nothing, for an unknown member, purpose, action or
    source. The caller owns the transaction (begin it with `ledger_session`).
    """
    if action not in CHOICE_ACTIONS:
        raise InvalidInput(f"unknown choice {action!r}: use one of {', '.join(CHOICE_ACTIONS)}")
    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source!r}: use one of {', '.join(SOURCES)}")
    facts = member_facts(session, member)
    active = policy or resolve_policy(session, at)
    active.policy.purpose(purpose)
    (entry,) = append(
        session,
        [
            ConsentChange(
                member_id=facts.id,
                purpose=purpose,
                action=action,
                source=source,
                actor=actor,
                policy_version=active.version,
                notice_version=last_notice_shown(session, facts.id) or active.version,
                occurred_at=at,
            )
        ],
    )
    return entry


def record_erasure(
    session: Session,
    member: Member | MemberFacts | int,
    *,
    source: str,
    actor: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """Append an erasure: from this ledger position on, nothing of the member is used for
    any purpose. (Deleting the member's content is the rights area's job.)"""
    if source not in SOURCES:
        raise InvalidInput(f"unknown source {source!r}: use one of {', '.join(SOURCES)}")
    facts = member_facts(session, member)
    active = resolve_policy(session, at)
    (entry,) = append(
        session,
        [
            ConsentChange(
                member_id=facts.id,
                purpose="*",
                action=ConsentAction.ERASE,
                source=source,
                actor=actor,
                policy_version=active.version,
                notice_version=last_notice_shown(session, facts.id) or active.version,
                occurred_at=at,
            )
        ],
    )
    return entry
