"""Private messages between connections: threads, sending, unread counts and read state.

A thread is the pair of members: every message between the two, in the order sent.
There is no thread row; a member's thread list is grouped from the messages themselves.

The rules every face gets from here:
- only connections can message each other: sending to anyone else is Forbidden, with a
  sentence saying why; once a connection is removed the thread stays readable to both,
  but nothing new can be sent;
- a message is 1 to MAX_MESSAGE characters (after trimming surrounding space);
- a message is unread until its recipient opens the thread (`Message.read_at`); opening
  a thread marks every message in it to the reader as read, and the reader's "message"
  notifications from that member with them;
- a thread with a deleted or erased member is not listed and cannot be opened: the
  erased member's own messages were blanked by erasure, and what the other member wrote
  stays theirs (their export holds it) but has no one left to be read by.

Messages are the `message` data class: private, never trainable. Nothing in this module
is read by dataset builds; `tests/datasets/test_messages_never_trained.py` proves a
message sent through the pages reaches no dataset or model file.

Functions take the caller's session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from consentry.errors import Forbidden, InvalidInput, NotFound
from consentry.network.connections import MemberCard
from consentry.network.notifications import mark_read, notify
from consentry.network.queries import Page, are_connected, live_member
from consentry.store.engine import utcnow
from consentry.store.social_tables import Notification
from consentry.store.tables import Member, Message, Profile

#: The longest message, in characters.
MAX_MESSAGE = 2000
#: Messages shown per page of a thread (the newest page first).
THREAD_PAGE = 50


@dataclass(frozen=True)
class MessageView:
    """One message as a member of its thread sees it."""

    id: int
    from_me: bool
    text: str
    sent_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class ThreadSummary:
    """A line of the thread list: who, the last message, and how many are unread."""

    other: MemberCard
    last_text: str
    last_from_me: bool
    last_at: datetime
    unread: int


@dataclass(frozen=True)
class Thread:
    """One page of a thread, oldest first on the page; `can_send` while connected."""

    other: MemberCard
    messages: list[MessageView]
    can_send: bool
    page: int
    has_older: bool


def _card(session: Session, member: Member) -> MemberCard:
    profile = session.get(Profile, member.id)
    headline = profile.headline if profile is not None and profile.deleted_at is None else ""
    return MemberCard(member.id, member.handle, member.display_name, headline)


def _counterpart(session: Session, member_id: int) -> Member:
    other = live_member(session, member_id)
    if other is None:
        raise NotFound("That member does not exist or has left Consentry.")
    return other


def send(session: Session, *, sender_id: int, recipient_id: int, text: str) -> MessageView:
    """Send `text` from `sender_id` to `recipient_id` and notify the recipient.

    Raises InvalidInput (to oneself, empty, over MAX_MESSAGE), NotFound (no such live
    member) or Forbidden (the two are not connected).
    """
    text = text.strip()
    if sender_id == recipient_id:
        raise InvalidInput("You cannot send a message to yourself.")
    if not text:
        raise InvalidInput("Write a message before sending it.")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(
            f"A message can be at most {MAX_MESSAGE} characters ({len(text)} given)."
        )
    recipient = _counterpart(session, recipient_id)
    if not are_connected(session, sender_id, recipient_id):
        raise Forbidden(
            f"You can message only your connections; you are not connected with "
            f"{recipient.display_name}."
        )
    now = utcnow()
    row = Message(
        sender_id=sender_id, recipient_id=recipient_id, text=text, created_at=now, updated_at=now
    )
    session.add(row)
    session.flush()
    notify(
        session, recipient_id, "message", actor_id=sender_id, subject="message", subject_id=row.id
    )
    return MessageView(row.id, True, row.text, row.created_at, None)


def forget_member(session: Session, member_id: int) -> int:
    """For an erasure: delete the "message" notifications for the member and those they
    caused (their messages are blanked by the erasure, so these would point at nothing). Messages sent
    TO the member stay: each is its sender's own text (in the sender's export), though
    no thread with an erased member is shown. Returns how many notifications."""
    gone = session.execute(
        delete(Notification).where(
            or_(Notification.actor_id == member_id, Notification.member_id == member_id),
            Notification.kind == "message",
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


def _live_messages(member_id: int):
    """Messages to or from `member_id` that were not deleted (erasure deletes them)."""
    return and_(
        or_(Message.sender_id == member_id, Message.recipient_id == member_id),
        Message.deleted_at.is_(None),
    )


def _unread_to(member_id: int):
    return and_(
        Message.recipient_id == member_id, Message.read_at.is_(None), Message.deleted_at.is_(None)
    )


def threads(
    session: Session, member_id: int, *, page: int = 1, per_page: int = 20
) -> Page[ThreadSummary]:
    """The member's threads with live members, the most recent message first.

    One grouped query: per other member, the last message's id and the unread count.
    """
    page, per_page = max(1, page), min(max(1, per_page), 100)
    other = case((Message.sender_id == member_id, Message.recipient_id), else_=Message.sender_id)
    unread = func.sum(case((_unread_to(member_id), 1), else_=0))
    grouped = (
        select(
            other.label("other_id"), func.max(Message.id).label("last_id"), unread.label("unread")
        )
        .where(_live_messages(member_id))
        .group_by(other)
        .subquery("grouped")
    )
    headline = (
        select(Profile.headline)
        .where(Profile.member_id == Member.id, Profile.deleted_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Member.id, Member.handle, Member.display_name, headline, Message, grouped.c.unread)
        .select_from(grouped)
        .join(Member, Member.id == grouped.c.other_id)
        .join(Message, Message.id == grouped.c.last_id)
        .where(Member.deleted_at.is_(None))
        .order_by(Message.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        ThreadSummary(
            other=MemberCard(mid, handle, name, headline or ""),
            last_text=last.text,
            last_from_me=last.sender_id == member_id,
            last_at=last.created_at,
            unread=int(count or 0),
        )
        for mid, handle, name, headline, last, count in rows[:per_page]
    ]
    return Page(items, page, per_page, len(rows) > per_page)


def unread_total(session: Session, member_id: int) -> int:
    """How many messages to `member_id`, from live members, are unread."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .join(Member, Member.id == Message.sender_id)
            .where(_unread_to(member_id), Member.deleted_at.is_(None))
        )
        or 0
    )


def open_thread(
    session: Session, *, member_id: int, other_id: int, page: int = 1, per_page: int = THREAD_PAGE
) -> Thread:
    """The thread between `member_id` and `other_id` (page 1: the newest messages), after
    marking every message in it to `member_id` read. NotFound for a deleted member."""
    page, per_page = max(1, page), min(max(1, per_page), 200)
    if other_id == member_id:
        raise NotFound("There is no conversation with yourself.")
    other = _counterpart(session, other_id)
    now = utcnow()
    session.execute(
        update(Message)
        .where(Message.sender_id == other_id, _unread_to(member_id))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    told = session.scalars(
        select(Notification.id).where(
            Notification.member_id == member_id,
            Notification.kind == "message",
            Notification.actor_id == other_id,
            Notification.read_at.is_(None),
        )
    ).all()
    if told:
        mark_read(session, member_id, told)
    between = or_(
        and_(Message.sender_id == member_id, Message.recipient_id == other_id),
        and_(Message.sender_id == other_id, Message.recipient_id == member_id),
    )
    rows = session.scalars(
        select(Message)
        .where(between, Message.deleted_at.is_(None))
        .order_by(Message.id.desc())
        .execution_options(populate_existing=True)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    shown = [
        MessageView(m.id, m.sender_id == member_id, m.text, m.created_at, m.read_at)
        for m in reversed(rows[:per_page])
    ]
    return Thread(
        other=_card(session, other),
        messages=shown,
        can_send=are_connected(session, member_id, other_id),
        page=page,
        has_older=len(rows) > per_page,
    )


__all__ = [
    "MAX_MESSAGE",
    "MessageView",
    "Thread",
    "ThreadSummary",
    "forget_member",
    "open_thread",
    "send",
    "threads",
    "unread_total",
]
