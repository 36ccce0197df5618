"""Notifications: the page, the header count and the API.

- /notifications: the member's notifications newest first, each a link to what it is
  about, unread ones marked; "Mark all as read" (POST /notifications/read). Policy
  notices the member has not seen are among them (`rights.inbox`) and stay unread until
  the member opens /notices, which records in the ledger that they were shown.
- The header link "Notifications" carries the unread count (`NavItem.badge`).
- GET /api/v1/me/notifications and POST /api/v1/me/notifications/read: the same for
  scripts. Marking read takes ids, or none for all; an id that is not the caller's is
  ignored, never marked, and nothing says whether it exists.

Other parts add notifications with `network.notifications.notify`; how each kind reads
and where it leads is `SENTENCES` and `LINKS` below, one line per kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from consentry.network import notifications
from consentry.rights.inbox import InboxEntry, inbox, unread_total
from consentry.web.api import _ERRORS
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import NavItem, render
from consentry.web.schemas import UtcDateTime

pages = APIRouter(include_in_schema=False)
_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
api = APIRouter(
    prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)], tags=["notifications"]
)

#: What each kind says; `{who}` is the member who caused it.
SENTENCES: dict[str, str] = {
    "connection_request": "{who} wants to connect with you",
    "connection_accepted": "{who} accepted your invitation to connect",
    "message": "{who} sent you a message",
    "applicant": "{who} applied to your job",
    "comment": "{who} commented on your post",
    "reaction": "{who} reacted to your post",
    "policy_notice": "Our AI data policy is changing (version {subject_id}): see what changes for you",
}
#: Where each kind leads: the page its subject lives on.
LINKS: dict[str, Callable[[InboxEntry], str]] = {
    "connection_request": lambda e: "/connections",
    "connection_accepted": lambda e: (
        f"/members/{e.actor_handle}" if e.actor_handle else "/connections"
    ),
    "message": lambda e: f"/messages/{e.actor_handle}" if e.actor_handle else "/messages",
    "applicant": lambda e: f"/jobs/{e.subject_id}/applicants",
    "comment": lambda e: f"/posts/{e.subject_id}" if e.subject == "post" else "/profile",
    "reaction": lambda e: f"/posts/{e.subject_id}" if e.subject == "post" else "/profile",
    "policy_notice": lambda e: "/notices",
}


def sentence(entry: InboxEntry) -> str:
    template = SENTENCES.get(entry.kind, "Something new for you")
    return template.format(who=entry.actor_name or "Someone", subject_id=entry.subject_id)


def link(entry: InboxEntry) -> str:
    return LINKS.get(entry.kind, lambda e: "/notifications")(entry)


class NotificationOut(BaseModel):
    id: int | None = Field(description="null for a policy notice (read it at /notices).")
    kind: str
    text: str = Field(description="What happened, as the notifications page says it.")
    href: str = Field(description="The page it is about (a path on this site).")
    actor_handle: str | None
    subject: str
    subject_id: int | None
    created_at: UtcDateTime
    read: bool


class NotificationsOut(BaseModel):
    unread: int = Field(description="Unread notifications and unseen policy notices.")
    items: list[NotificationOut]


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Row ids are 32-bit on every database we run on; a larger one is a client's mistake.
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=500, description="Omit to mark all read."
    )


class ReadOut(BaseModel):
    marked: int = Field(description="How many of yours were unread and are now read.")
    unread: int


def _out(entry: InboxEntry) -> NotificationOut:
    return NotificationOut(
        id=entry.id,
        kind=entry.kind,
        text=sentence(entry),
        href=link(entry),
        actor_handle=entry.actor_handle,
        subject=entry.subject,
        subject_id=entry.subject_id,
        created_at=entry.created_at,
        read=entry.read,
    )


def _badge(request: Request) -> str | None:
    with request.app.state.sessions() as session:
        count = unread_total(session, request.state.member.id)
    return f"{count} unread" if count else None


@pages.get("/notifications")
def notifications_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    entries = [(e, sentence(e), link(e)) for e in inbox(db, member.id)]
    return render(
        request,
        "notifications.html",
        {
            "entries": entries,
            "unread": sum(1 for e, _, _ in entries if not e.read),
            # Policy notices are read by opening them, never by this button.
            "markable": any(not e.read and e.id is not None for e, _, _ in entries),
        },
    )


@pages.post("/notifications/read")
def mark_all_read(db: DbSession, member: CurrentMember) -> Response:
    notifications.mark_read(db, member.id)
    return RedirectResponse("/notifications", status_code=303)


@api.get("/me/notifications", response_model=NotificationsOut)
def get_notifications(db: DbSession, member: CurrentMember) -> NotificationsOut:
    """Your latest notifications, newest first, with unseen policy notices among them."""
    return NotificationsOut(
        unread=unread_total(db, member.id), items=[_out(e) for e in inbox(db, member.id)]
    )


@api.post("/me/notifications/read", response_model=ReadOut)
def post_read(
    db: DbSession, member: CurrentMember, body: Annotated[ReadIn | None, Body()] = None
) -> ReadOut:
    """Mark your notifications `ids` read (all of them without a body or ids). A policy
    notice is read by opening it (GET /api/v1/me/notices, POST /api/v1/me/notices/shown)."""
    marked = notifications.mark_read(db, member.id, body.ids if body else None)
    return ReadOut(marked=marked, unread=unread_total(db, member.id))


def install(app: FastAPI) -> None:
    """Add the notifications page, its API and the header link with the unread count."""
    app.include_router(pages)
    app.include_router(api)
    app.state.nav.append(NavItem("Notifications", "/notifications", badge=_badge))
