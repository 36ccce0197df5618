"""Connections between members: invitations, the connections they make, and the graph's
suggestions.

A connection starts as a `ConnectionRequest` from a sender to a recipient. While it is
`pending` the recipient may accept or decline it and the sender may withdraw it; each of
those ends it for good (a later invitation is a new request). Accepting adds the
`Connection` row (stored once per pair, `member_id < other_id`) in the same transaction;
either member may later remove the connection, which deletes that row and leaves the
accepted request as history.

The rules every face (pages, the JSON API) gets from here, so none can skip one:
- nobody invites themselves, a deleted member, someone they are already connected to,
  or someone they have already invited and who has not answered yet;
- inviting someone who has already invited you accepts their invitation instead (what a
  person who clicks "Connect" on that profile means);
- only the recipient accepts or declines, only the sender withdraws; any other request id
  (someone else's, or one's own on the wrong side) answers NotFound, exactly like one
  that does not exist;
- at most one pending request per pair at any time.

Notifications (`consentry.network.notifications`): `connection_request` to the recipient
of an invitation, `connection_accepted` to its sender when it is accepted; nothing for a
decline or a withdrawal (people are not told they were turned down).

Functions take the caller's session and never commit: the caller owns the transaction.
A connection request's note is private text, like a message: it is shown to the two
members only and never read for AI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, and_, case, delete, func, or_, select, union, union_all
from sqlalchemy.orm import Session, aliased

from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network.notifications import notify
from consentry.network.queries import Page, live_member
from consentry.store.engine import utcnow
from consentry.store.social_tables import ConnectionRequest, Notification
from consentry.store.tables import Connection, Member, Profile

#: The longest note an invitation may carry, in characters (as LinkedIn allows).
MAX_NOTE = 300
#: How many suggestions "people you may know" gives unless asked for fewer.
SUGGESTIONS = 10


class RequestStatus(StrEnum):
    """Where a connection request stands (`ConnectionRequest.status`)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class MemberCard:
    """A member as a list shows them: handle, name and headline."""

    member_id: int
    handle: str
    display_name: str
    headline: str


@dataclass(frozen=True)
class ConnectionView:
    """One of a member's connections, and since when."""

    member: MemberCard
    connected_at: datetime


@dataclass(frozen=True)
class RequestView:
    """A pending request as one of its two members sees it: `other` is the member on the
    other side (the sender for a received request, the recipient for a sent one)."""

    id: int
    other: MemberCard
    note: str
    created_at: datetime
    received: bool


@dataclass(frozen=True)
class Suggestion:
    """A member two hops away, with how many connections the two have in common."""

    member: MemberCard
    mutual: int


@dataclass(frozen=True)
class Relation:
    """How the viewer stands with another member, for the buttons on a profile."""

    connected: bool
    sent_request_id: int | None
    received_request_id: int | None


@dataclass(frozen=True)
class InviteOutcome:
    """What `invite` did: a new pending request, or (`accepted`) the other member's own
    pending invitation accepted instead."""

    request_id: int
    accepted: bool


# --- writes ---------------------------------------------------------------------------


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _pending_between(
    session: Session, sender_id: int, recipient_id: int
) -> ConnectionRequest | None:
    return session.scalar(
        select(ConnectionRequest)
        .where(
            ConnectionRequest.sender_id == sender_id,
            ConnectionRequest.recipient_id == recipient_id,
            ConnectionRequest.status == RequestStatus.PENDING,
        )
        .order_by(ConnectionRequest.id)
        .limit(1)
    )


def _lock_pair(session: Session, a: int, b: int) -> None:
    """Serialise every change between members `a` and `b` until the transaction ends.

    Without it, two invitations crossing (A invites B while B invites A) could both find
    nothing pending and leave two pending requests for one pair, and two answers to one
    request could both find it pending. PostgreSQL: the two member rows are locked in id
    order (FOR NO KEY UPDATE, which does not hold up rows that merely refer to a member).
    SQLite lets one writer through at a time, so it needs no lock: a writer that read
    before another committed is refused by the database rather than acting on stale rows.
    """
    session.execute(
        select(Member.id)
        .where(Member.id.in_(sorted({a, b})))
        .order_by(Member.id)
        .with_for_update(key_share=True)
    ).all()


def _live(session: Session, member_id: int) -> Member:
    member = live_member(session, member_id)
    if member is None:
        raise NotFound("That member does not exist or has left Consentry.")
    return member


def invite(session: Session, *, sender_id: int, recipient_id: int, note: str = "") -> InviteOutcome:
    """Invite `recipient_id` to connect, with an optional private `note`.

    Raises InvalidInput (self, a note over MAX_NOTE), NotFound (no such live member),
    Conflict (already connected, or already invited and unanswered). A pending invitation
    from the recipient is accepted instead of sending one back.
    """
    note = note.strip()
    if sender_id == recipient_id:
        raise InvalidInput("You cannot connect with yourself.")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"A note can be at most {MAX_NOTE} characters ({len(note)} given).")
    _lock_pair(session, sender_id, recipient_id)
    _live(session, sender_id)
    recipient = _live(session, recipient_id)
    if session.get(Connection, _pair(sender_id, recipient_id)) is not None:
        raise Conflict(f"You are already connected with {recipient.display_name}.")
    if _pending_between(session, sender_id, recipient_id) is not None:
        raise Conflict(f"You already invited {recipient.display_name}; they have not answered yet.")
    theirs = _pending_between(session, recipient_id, sender_id)
    if theirs is not None:
        _accept(session, theirs)
        return InviteOutcome(theirs.id, accepted=True)
    row = ConnectionRequest(
        sender_id=sender_id,
        recipient_id=recipient_id,
        note=note,
        status=RequestStatus.PENDING,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    notify(
        session,
        recipient_id,
        "connection_request",
        actor_id=sender_id,
        subject="connection_request",
        subject_id=row.id,
    )
    return InviteOutcome(row.id, accepted=False)


def _own_request(session: Session, member_id: int, request_id: int, *, side) -> ConnectionRequest:
    """The request if `member_id` is on `side` of it (its sender or its recipient column)
    and the other member is still live; NotFound otherwise. Someone else's request, and
    one's own on the wrong side (accepting an invitation one sent), read like a missing
    one: nothing about it is told."""
    row = session.get(ConnectionRequest, request_id)
    if row is None or getattr(row, side) != member_id:
        raise NotFound(
            "No invitation to you has that id."
            if side == "recipient_id"
            else "You sent no invitation with that id."
        )
    other = row.recipient_id if side == "sender_id" else row.sender_id
    _lock_pair(session, row.sender_id, row.recipient_id)
    session.refresh(row)  # its status as it stands now that the pair is ours
    _live(session, other)
    return row


def _still_pending(row: ConnectionRequest) -> None:
    if row.status != RequestStatus.PENDING:
        raise Conflict(f"That request was already {row.status}.")


def _accept(session: Session, row: ConnectionRequest) -> None:
    now = utcnow()
    row.status, row.responded_at = RequestStatus.ACCEPTED, now
    low, high = _pair(row.sender_id, row.recipient_id)
    # A connection made by other means (an import) may already exist: keep it.
    if session.get(Connection, (low, high)) is None:
        session.add(Connection(member_id=low, other_id=high, created_at=now))
    session.flush()
    notify(
        session,
        row.sender_id,
        "connection_accepted",
        actor_id=row.recipient_id,
        subject="connection_request",
        subject_id=row.id,
    )


def accept(session: Session, *, member_id: int, request_id: int) -> None:
    """Accept a pending request sent to `member_id`: the two are connected from now."""
    row = _own_request(session, member_id, request_id, side="recipient_id")
    _still_pending(row)
    _accept(session, row)


def decline(session: Session, *, member_id: int, request_id: int) -> None:
    """Decline a pending request sent to `member_id` (the sender is not told)."""
    row = _own_request(session, member_id, request_id, side="recipient_id")
    _still_pending(row)
    row.status, row.responded_at = RequestStatus.DECLINED, utcnow()
    session.flush()


def withdraw(session: Session, *, member_id: int, request_id: int) -> None:
    """Withdraw a pending request `member_id` sent."""
    row = _own_request(session, member_id, request_id, side="sender_id")
    _still_pending(row)
    row.status, row.responded_at = RequestStatus.WITHDRAWN, utcnow()
    session.flush()


def remove(session: Session, *, member_id: int, other_id: int) -> None:
    """End the connection between the two members (either may); NotFound if there is none."""
    low, high = _pair(member_id, other_id)
    _lock_pair(session, low, high)
    gone = session.execute(
        delete(Connection).where(Connection.member_id == low, Connection.other_id == high)
    )
    if not getattr(gone, "rowcount", 0):
        raise NotFound("You are not connected with that member.")


def forget_member(session: Session, member_id: int) -> int:
    """For an erasure: delete every connection request the member sent or received (with
    their notes) and the request notifications for them or caused by them (an invitation
    from them, their acceptance), which would point at nothing. Returns how many requests."""
    session.execute(
        delete(Notification).where(
            or_(Notification.actor_id == member_id, Notification.member_id == member_id),
            Notification.kind.in_(("connection_request", "connection_accepted")),
        )
    )
    gone = session.execute(
        delete(ConnectionRequest).where(
            or_(
                ConnectionRequest.sender_id == member_id,
                ConnectionRequest.recipient_id == member_id,
            )
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


# --- reads ----------------------------------------------------------------------------


def _card(member_id: int, handle: str, name: str, headline: str | None) -> MemberCard:
    return MemberCard(member_id, handle, name, headline or "")


def _card_columns(member=Member) -> tuple:
    headline = (
        select(Profile.headline)
        .where(Profile.member_id == member.id, Profile.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (member.id, member.handle, member.display_name, headline)


def _edges():
    """Every connection in both directions: (a, b) for each pair, as a sub-select."""
    return union_all(
        select(Connection.member_id.label("a"), Connection.other_id.label("b")),
        select(Connection.other_id.label("a"), Connection.member_id.label("b")),
    ).subquery("edges")


def _friends(member_id: int) -> Select:
    """Ids of the live members connected to `member_id`."""
    edges = _edges()
    return (
        select(edges.c.b)
        .join(Member, Member.id == edges.c.b)
        .where(edges.c.a == member_id, Member.deleted_at.is_(None))
    )


def connections(
    session: Session, member_id: int, *, page: int = 1, per_page: int = 20
) -> Page[ConnectionView]:
    """The member's connections to live members, newest first."""
    page, per_page = max(1, page), min(max(1, per_page), 100)
    other = case(
        (Connection.member_id == member_id, Connection.other_id), else_=Connection.member_id
    )
    stmt = (
        select(*_card_columns(), Connection.created_at)
        .select_from(Connection)
        .join(Member, Member.id == other)
        .where(
            or_(Connection.member_id == member_id, Connection.other_id == member_id),
            Member.deleted_at.is_(None),
        )
        .order_by(Connection.created_at.desc(), Member.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = session.execute(stmt).all()
    items = [ConnectionView(_card(*r[:4]), r[4]) for r in rows[:per_page]]
    return Page(items, page, per_page, len(rows) > per_page)


def connection_count(session: Session, member_id: int) -> int:
    """How many live members `member_id` is connected to."""
    return session.scalar(select(func.count()).select_from(_friends(member_id).subquery())) or 0


def _requests(session: Session, member_id: int, *, received: bool, limit: int) -> list[RequestView]:
    mine = ConnectionRequest.recipient_id if received else ConnectionRequest.sender_id
    theirs = ConnectionRequest.sender_id if received else ConnectionRequest.recipient_id
    rows = session.execute(
        select(
            ConnectionRequest.id,
            ConnectionRequest.note,
            ConnectionRequest.created_at,
            *_card_columns(),
        )
        .join(Member, Member.id == theirs)
        .where(
            mine == member_id,
            ConnectionRequest.status == RequestStatus.PENDING,
            Member.deleted_at.is_(None),
        )
        .order_by(ConnectionRequest.created_at.desc(), ConnectionRequest.id.desc())
        .limit(limit)
    ).all()
    return [RequestView(r[0], _card(*r[3:7]), r[1], r[2], received) for r in rows]


def pending_received(session: Session, member_id: int, *, limit: int = 100) -> list[RequestView]:
    """Invitations waiting for `member_id`'s answer, newest first (from live members)."""
    return _requests(session, member_id, received=True, limit=limit)


def pending_sent(session: Session, member_id: int, *, limit: int = 100) -> list[RequestView]:
    """Invitations `member_id` sent that are still unanswered, newest first."""
    return _requests(session, member_id, received=False, limit=limit)


def relation(session: Session, member_id: int, other_id: int) -> Relation:
    """Whether the two are connected, and the pending request between them, if any."""
    sent = _pending_between(session, member_id, other_id)
    received = _pending_between(session, other_id, member_id)
    return Relation(
        connected=session.get(Connection, _pair(member_id, other_id)) is not None,
        sent_request_id=sent.id if sent else None,
        received_request_id=received.id if received else None,
    )


def mutual_connections(
    session: Session, member_id: int, other_id: int, *, limit: int = 50
) -> list[MemberCard]:
    """Live members connected to both, by name."""
    rows = session.execute(
        select(*_card_columns())
        .where(
            Member.id.in_(_friends(member_id)),
            Member.id.in_(_friends(other_id)),
            Member.id.not_in([member_id, other_id]),
        )
        .order_by(Member.display_name, Member.id)
        .limit(limit)
    ).all()
    return [_card(*r) for r in rows]


def mutual_count(session: Session, member_id: int, other_id: int) -> int:
    """How many live members are connected to both."""
    both = select(Member.id).where(
        Member.id.in_(_friends(member_id)),
        Member.id.in_(_friends(other_id)),
        Member.id.not_in([member_id, other_id]),
    )
    return session.scalar(select(func.count()).select_from(both.subquery())) or 0


def people_you_may_know(
    session: Session, member_id: int, *, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Live members two hops from `member_id`, most mutual connections first (then the
    newest member first, by id, so the order is stable).

    One query over the whole graph: for each connection `a` of the member, every
    connection `b` of `a` is a candidate, counted once per `a`. Excluded: the member, their
    connections, anyone with a pending request either way, deleted members (as candidates
    and as the mutual connection between).
    """
    edges = _edges()
    via = aliased(Member)
    pending = union(
        select(ConnectionRequest.recipient_id).where(
            ConnectionRequest.sender_id == member_id,
            ConnectionRequest.status == RequestStatus.PENDING,
        ),
        select(ConnectionRequest.sender_id).where(
            ConnectionRequest.recipient_id == member_id,
            ConnectionRequest.status == RequestStatus.PENDING,
        ),
    )
    mutual = func.count().label("mutual")
    ranked = (
        select(edges.c.b.label("candidate"), mutual)
        .join(via, and_(via.id == edges.c.a, via.deleted_at.is_(None)))
        .where(
            edges.c.a.in_(_friends(member_id)),
            edges.c.b != member_id,
            edges.c.b.not_in(_friends(member_id)),
            edges.c.b.not_in(pending),
        )
        .group_by(edges.c.b)
        .subquery("ranked")
    )
    rows = session.execute(
        select(*_card_columns(), ranked.c.mutual)
        .join(ranked, ranked.c.candidate == Member.id)
        .where(Member.deleted_at.is_(None))
        .order_by(ranked.c.mutual.desc(), Member.id.desc())
        .limit(max(1, min(limit, 100)))
    ).all()
    return [Suggestion(_card(*r[:4]), int(r[4])) for r in rows]


__all__ = [
    "MAX_NOTE",
    "ConnectionView",
    "InviteOutcome",
    "MemberCard",
    "Relation",
    "RequestStatus",
    "RequestView",
    "Suggestion",
    "accept",
    "connection_count",
    "connections",
    "decline",
    "forget_member",
    "invite",
    "mutual_connections",
    "mutual_count",
    "pending_received",
    "pending_sent",
    "people_you_may_know",
    "relation",
    "remove",
    "withdraw",
]
