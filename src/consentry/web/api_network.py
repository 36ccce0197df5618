"""Connections and messages in the HTTP API (/api/v1): the same functions as the pages
(`consentry.network.connections`, `consentry.network.messages`), so the same rules.

Every route acts for the authenticated member. A request id that is not one the member
may act on (not theirs, or theirs on the wrong side: accepting one's own invitation)
answers 404 exactly like one that does not exist. Messaging someone who is not a
connection answers 403 with the reason. Reading a thread marks its messages to the
reader read, as opening it in the pages does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from consentry.network import connections as network
from consentry.network import messages
from consentry.web.api import _ERRORS
from consentry.web.connections_pages import member_by_handle
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.schemas import UtcDateTime

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(
    prefix="/api/v1",
    responses={**_ERRORS, 409: _ERRORS[400]},
    dependencies=[Depends(_bearer)],
    tags=["network"],
)

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Handle = Annotated[str, Path(max_length=64)]


class MemberCardOut(BaseModel):
    handle: str
    display_name: str
    headline: str

    @classmethod
    def of(cls, card: network.MemberCard) -> MemberCardOut:
        return cls(handle=card.handle, display_name=card.display_name, headline=card.headline)


class ConnectionOut(BaseModel):
    member: MemberCardOut
    connected_at: UtcDateTime


class ConnectionsOut(BaseModel):
    items: list[ConnectionOut]
    total: int
    page: int
    next_page: int | None


class RequestOut(BaseModel):
    id: int
    member: MemberCardOut = Field(description="The member on the other side.")
    note: str = Field(description="The private note sent with the invitation.")
    created_at: UtcDateTime


class RequestsOut(BaseModel):
    received: list[RequestOut]
    sent: list[RequestOut]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=64, description="Whom to invite.")
    note: str = Field("", max_length=network.MAX_NOTE, description="Private, optional.")


class InviteOut(BaseModel):
    request_id: int
    status: str = Field(
        description="pending, or accepted when the member had already invited you "
        "(their invitation was accepted instead of sending one back)."
    )


class SuggestionOut(BaseModel):
    member: MemberCardOut
    mutual_connections: int


class ThreadSummaryOut(BaseModel):
    member: MemberCardOut
    last_text: str
    last_from_me: bool
    last_at: UtcDateTime
    unread: int


class ThreadsOut(BaseModel):
    items: list[ThreadSummaryOut]
    unread_total: int
    page: int
    next_page: int | None


class MessageOut(BaseModel):
    id: int
    from_me: bool
    text: str
    sent_at: UtcDateTime
    read_at: UtcDateTime | None = Field(description="When the recipient opened it; null: unread.")


class ThreadOut(BaseModel):
    member: MemberCardOut
    messages: list[MessageOut] = Field(description="Oldest first on this page.")
    can_send: bool = Field(description="false once you are no longer connected.")
    page: int
    older_page: int | None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=messages.MAX_MESSAGE)


def _request(r: network.RequestView) -> RequestOut:
    return RequestOut(
        id=r.id, member=MemberCardOut.of(r.other), note=r.note, created_at=r.created_at
    )


def _message(m: messages.MessageView) -> MessageOut:
    return MessageOut(id=m.id, from_me=m.from_me, text=m.text, sent_at=m.sent_at, read_at=m.read_at)


@router.get("/me/connections", response_model=ConnectionsOut)
def get_connections(
    request: Request, db: DbSession, member: CurrentMember, page: PageNumber = 1
) -> ConnectionsOut:
    """Your connections, newest first."""
    found = network.connections(
        db, member.id, page=page, per_page=request.app.state.options.per_page
    )
    return ConnectionsOut(
        items=[
            ConnectionOut(member=MemberCardOut.of(c.member), connected_at=c.connected_at)
            for c in found.items
        ],
        total=network.connection_count(db, member.id),
        page=page,
        next_page=page + 1 if found.has_next else None,
    )


@router.get("/me/connection-requests", response_model=RequestsOut)
def get_requests(db: DbSession, member: CurrentMember) -> RequestsOut:
    """Invitations waiting for your answer, and those you sent that wait for theirs."""
    return RequestsOut(
        received=[_request(r) for r in network.pending_received(db, member.id)],
        sent=[_request(r) for r in network.pending_sent(db, member.id)],
    )


@router.post("/connection-requests", status_code=201, response_model=InviteOut)
def post_invite(db: DbSession, member: CurrentMember, body: InviteIn) -> InviteOut:
    """Invite a member to connect, with an optional private note (409: already connected
    or already invited)."""
    other = member_by_handle(db, body.handle)
    done = network.invite(db, sender_id=member.id, recipient_id=other.id, note=body.note)
    return InviteOut(request_id=done.request_id, status="accepted" if done.accepted else "pending")


@router.post("/connection-requests/{request_id}/accept", status_code=204)
def post_accept(db: DbSession, member: CurrentMember, request_id: RequestId) -> Response:
    """Accept an invitation sent to you."""
    network.accept(db, member_id=member.id, request_id=request_id)
    return Response(status_code=204)


@router.post("/connection-requests/{request_id}/decline", status_code=204)
def post_decline(db: DbSession, member: CurrentMember, request_id: RequestId) -> Response:
    """Decline an invitation sent to you (the sender is not told)."""
    network.decline(db, member_id=member.id, request_id=request_id)
    return Response(status_code=204)


@router.post("/connection-requests/{request_id}/withdraw", status_code=204)
def post_withdraw(db: DbSession, member: CurrentMember, request_id: RequestId) -> Response:
    """Withdraw an invitation you sent."""
    network.withdraw(db, member_id=member.id, request_id=request_id)
    return Response(status_code=204)


@router.delete("/me/connections/{handle}", status_code=204)
def delete_connection(db: DbSession, member: CurrentMember, handle: Handle) -> Response:
    """Remove a connection; your messages stay readable, no new ones can be sent."""
    other = member_by_handle(db, handle)
    network.remove(db, member_id=member.id, other_id=other.id)
    return Response(status_code=204)


@router.get("/me/people-you-may-know", response_model=list[SuggestionOut])
def get_suggestions(
    db: DbSession,
    member: CurrentMember,
    limit: Annotated[int, Query(ge=1, le=100)] = network.SUGGESTIONS,
) -> list[SuggestionOut]:
    """Members your connections are connected to, most mutual connections first."""
    return [
        SuggestionOut(member=MemberCardOut.of(s.member), mutual_connections=s.mutual)
        for s in network.people_you_may_know(db, member.id, limit=limit)
    ]


@router.get("/me/messages", response_model=ThreadsOut)
def get_threads(
    request: Request, db: DbSession, member: CurrentMember, page: PageNumber = 1
) -> ThreadsOut:
    """Your conversations, the most recent first, with unread counts."""
    found = messages.threads(db, member.id, page=page, per_page=request.app.state.options.per_page)
    return ThreadsOut(
        items=[
            ThreadSummaryOut(
                member=MemberCardOut.of(t.other),
                last_text=t.last_text,
                last_from_me=t.last_from_me,
                last_at=t.last_at,
                unread=t.unread,
            )
            for t in found.items
        ],
        unread_total=messages.unread_total(db, member.id),
        page=page,
        next_page=page + 1 if found.has_next else None,
    )


@router.get("/me/messages/{handle}", response_model=ThreadOut)
def get_thread(
    db: DbSession, member: CurrentMember, handle: Handle, page: PageNumber = 1
) -> ThreadOut:
    """The conversation with one member (page 1: the newest); marks it read."""
    other = member_by_handle(db, handle)
    thread = messages.open_thread(db, member_id=member.id, other_id=other.id, page=page)
    return ThreadOut(
        member=MemberCardOut.of(thread.other),
        messages=[_message(m) for m in thread.messages],
        can_send=thread.can_send,
        page=page,
        older_page=page + 1 if thread.has_older else None,
    )


@router.post("/me/messages/{handle}", status_code=201, response_model=MessageOut)
def post_message(
    db: DbSession, member: CurrentMember, handle: Handle, body: MessageIn
) -> MessageOut:
    """Send a message to one of your connections (403 for anyone else)."""
    other = member_by_handle(db, handle)
    return _message(messages.send(db, sender_id=member.id, recipient_id=other.id, text=body.text))


def install(app: FastAPI) -> None:
    """Add the connections and messages API."""
    app.include_router(router)
