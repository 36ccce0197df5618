"""Notifications: what a member should see next time they look (requests, messages,
applicants, policy notices).

`notify` adds one row in the caller's transaction (it flushes, never commits), so a
notification exists exactly when the thing it tells about does. Reading them is
`unread_count` and `recent`; `mark_read` marks some or all of a member's as read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from consentry.store.engine import utcnow
from consentry.store.social_tables import Notification

# What a notification can be about; a page renders each kind with its own sentence.
KINDS = (
    "connection_request",
    "connection_accepted",
    "message",
    "applicant",
    "comment",
    "reaction",
    "policy_notice",
)


def notify(
    session: Session,
    member_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    subject: str = "",
    subject_id: int | None = None,
    at: datetime | None = None,
) -> Notification:
    """Add a notification for `member_id` (never for an actor about themselves)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    row = Notification(
        member_id=member_id,
        kind=kind,
        actor_id=actor_id,
        subject=subject,
        subject_id=subject_id,
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def unread_count(session: Session, member_id: int) -> int:
    """How many of the member's notifications are unread."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(session: Session, member_id: int, *, limit: int = 50) -> list[Notification]:
    """The member's latest notifications, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.member_id == member_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, member_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark the member's notifications `ids` (all, if None) read; returns how many changed.
    Ids that are not the member's are ignored, never marked."""
    stmt = update(Notification).where(
        Notification.member_id == member_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0  # type: ignore[attr-defined]


def forget_member(session: Session, member_id: int) -> int:
    """For an erasure: delete the member's notifications, and no longer name them as the
    actor of anyone else's (those stay, told of "someone"). Returns how many were deleted."""
    session.execute(
        update(Notification).where(Notification.actor_id == member_id).values(actor_id=None)
    )
    gone = session.execute(delete(Notification).where(Notification.member_id == member_id))
    return gone.rowcount or 0  # type: ignore[attr-defined]
