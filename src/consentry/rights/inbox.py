"""A member's notifications, with the policy notices they have not seen among them.

Two sources, one list: the rows `network.notifications.notify` stored (connection
requests, messages, applicants ...), and every announced policy version that changes
something for the member and whose notice they have not been shown yet
(`consent.notices.notices_affecting`, the rule the notice banner and the /notices page
use; nothing here decides what a notice is). A notice is not stored as a notification:
it stays in the list, unread, until the member opens the notice page, which records in
the ledger that they were shown it — marking notifications read never claims that.

Reads only, in the caller's session; every query is scoped to the one member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.consent.notices import notices_affecting
from consentry.network import notifications
from consentry.store.tables import Member

POLICY_NOTICE = "policy_notice"


@dataclass(frozen=True)
class InboxEntry:
    """One notification as the member sees it. `id` is None for a policy notice, which
    is not a stored notification (its `subject_id` is the policy version)."""

    id: int | None
    kind: str
    created_at: datetime
    read: bool
    subject: str
    subject_id: int | None
    actor_handle: str | None = None
    actor_name: str | None = None


def _unseen_notices(session: Session, member_id: int) -> list[InboxEntry]:
    return [
        InboxEntry(
            id=None,
            kind=POLICY_NOTICE,
            created_at=n.published_at,
            read=False,
            subject="policy",
            subject_id=n.version,
        )
        for n in notices_affecting(session, member_id)
        if not n.shown
    ]


def inbox(session: Session, member_id: int, *, limit: int = 50) -> list[InboxEntry]:
    """The member's latest notifications and unseen policy notices, newest first."""
    rows = notifications.recent(session, member_id, limit=limit)
    actors = {a for a in (r.actor_id for r in rows) if a is not None}
    names = {
        m.id: (m.handle, m.display_name)
        for m in session.execute(
            select(Member.id, Member.handle, Member.display_name).where(Member.id.in_(actors))
        )
    }
    stored = [
        InboxEntry(
            id=r.id,
            kind=r.kind,
            created_at=r.created_at,
            read=r.read_at is not None,
            subject=r.subject,
            subject_id=r.subject_id,
            actor_handle=names.get(r.actor_id, (None, None))[0] if r.actor_id else None,
            actor_name=names.get(r.actor_id, (None, None))[1] if r.actor_id else None,
        )
        for r in rows
    ]
    merged = _unseen_notices(session, member_id) + stored
    merged.sort(key=lambda e: (e.created_at, e.id or 0), reverse=True)
    return merged[:limit]


def unread_total(session: Session, member_id: int) -> int:
    """Unread notifications plus unseen policy notices: the number the header shows."""
    return notifications.unread_count(session, member_id) + len(_unseen_notices(session, member_id))
