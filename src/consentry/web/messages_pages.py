"""Messages: the thread list (/messages) and one thread with its send form
(/messages/{handle}).

Routes stay thin: every rule (connections only, length, read state) is in
`consentry.network.messages`, which the JSON API (`web/api_network.py`) calls too.
Opening a thread marks its messages to the reader read. The header link "Messages"
carries the number of unread messages, counted when a page is drawn.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError, NotFound
from consentry.network import messages
from consentry.store.tables import Member
from consentry.web.connections_pages import member_by_handle
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.errors import status_of
from consentry.web.layout import NavItem, render

router = APIRouter(include_in_schema=False)

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
Handle = Annotated[str, Path(max_length=64)]


def unread_badge(request: Request) -> str | None:
    """The header link's count: "3 unread", or nothing when all are read."""
    viewer = getattr(request.state, "member", None)
    if viewer is None:
        return None
    with request.app.state.sessions() as session:
        count = messages.unread_total(session, viewer.id)
    return f"{count} unread" if count else None


@router.get("/messages")
def threads_page(
    request: Request, db: DbSession, member: CurrentMember, page: PageNumber = 1
) -> Response:
    per_page = request.app.state.options.per_page
    found = messages.threads(db, member.id, page=page, per_page=per_page)
    return render(request, "messages.html", {"threads": found})


def _thread_page(
    request: Request,
    db: Session,
    member: Member,
    other: Member,
    *,
    page: int = 1,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
) -> Response:
    thread = messages.open_thread(db, member_id=member.id, other_id=other.id, page=page)
    # The header's unread count is read apart from this request's transaction: commit
    # the read marks first, so the page that shows the thread counts it read.
    db.commit()
    return render(
        request,
        "thread.html",
        {
            "thread": thread,
            "error": error,
            "draft": draft,
            "max_message": messages.MAX_MESSAGE,
        },
        status_code=status_code,
    )


@router.get("/messages/{handle}")
def thread_page(
    request: Request, db: DbSession, member: CurrentMember, handle: Handle, page: PageNumber = 1
) -> Response:
    other = member_by_handle(db, handle)
    if other.id == member.id:
        raise NotFound("There is no conversation with yourself.")
    return _thread_page(request, db, member, other, page=page)


@router.post("/messages/{handle}")
def send(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    handle: Handle,
    text: Annotated[str, Form(max_length=messages.MAX_MESSAGE * 4)] = "",
) -> Response:
    other = member_by_handle(db, handle)
    try:
        messages.send(db, sender_id=member.id, recipient_id=other.id, text=text)
    except NotFound:
        raise
    except ConsentryError as exc:
        db.rollback()
        return _thread_page(
            request, db, member, other, error=str(exc), draft=text, status_code=status_of(exc)
        )
    return RedirectResponse(f"/messages/{other.handle}#latest", status_code=303)


def install(app: FastAPI) -> None:
    """Add the message pages and their header link (with the unread count)."""
    app.include_router(router)
    app.state.nav.append(NavItem("Messages", "/messages", badge=unread_badge))
