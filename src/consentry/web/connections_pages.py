"""My network: connections, invitations and people you may know (/connections).

Routes stay thin: every rule is in `consentry.network.connections`, which the JSON API
(`web/api_network.py`) calls too. Each action is a small form (POST with the CSRF
token) that redirects back with a `done` word the page turns into a sentence; a refused
action shows the page again with the reason and a 4xx status. Pages work without
JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError, NotFound
from consentry.network import connections as network
from consentry.network import queries
from consentry.store.tables import Member
from consentry.web.auth import safe_next
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.errors import status_of
from consentry.web.layout import NavItem, render

router = APIRouter(include_in_schema=False)

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Handle = Annotated[str, Path(max_length=64)]

# What the page says after each action (`?done=...`); anything else says nothing.
DONE = {
    "invited": "Invitation sent.",
    "accepted": "You are now connected.",
    "declined": "Invitation declined.",
    "withdrawn": "Invitation withdrawn.",
    "removed": "Connection removed.",
}


def member_by_handle(db: Session, handle: str) -> Member:
    """The live member with `handle`; NotFound (404) otherwise."""
    other = queries.live_member_by_handle(db, handle)
    if other is None:
        raise NotFound(f"There is no member called {handle!r}.")
    return other


def _page(
    request: Request,
    db: Session,
    member: Member,
    *,
    page: int = 1,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    per_page = request.app.state.options.per_page
    return render(
        request,
        "connections.html",
        {
            "connections": network.connections(db, member.id, page=page, per_page=per_page),
            "count": network.connection_count(db, member.id),
            "received": network.pending_received(db, member.id),
            "sent": network.pending_sent(db, member.id),
            "suggestions": network.people_you_may_know(db, member.id),
            "done": DONE.get(done or ""),
            "error": error,
            "max_note": network.MAX_NOTE,
        },
        status_code=status_code,
    )


def _refused(request: Request, db: Session, member: Member, exc: ConsentryError) -> Response:
    # The page again, with the reason, under the error's own status. The failed write
    # was only flushed: roll it back before reading the page.
    db.rollback()
    return _page(request, db, member, error=str(exc), status_code=status_of(exc))


@router.get("/connections")
def connections_page(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    page: PageNumber = 1,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    return _page(request, db, member, page=page, done=done)


@router.post("/connection-requests")
def invite(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    handle: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=network.MAX_NOTE * 4)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/connections",
) -> Response:
    try:
        other = member_by_handle(db, handle)
        outcome = network.invite(db, sender_id=member.id, recipient_id=other.id, note=note)
    except ConsentryError as exc:
        return _refused(request, db, member, exc)
    target = safe_next(next)
    sep = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{sep}done={'accepted' if outcome.accepted else 'invited'}", status_code=303
    )


def _answer(
    request: Request, db: Session, member: Member, request_id: int, action: str
) -> Response:
    act = {"accepted": network.accept, "declined": network.decline, "withdrawn": network.withdraw}
    try:
        act[action](db, member_id=member.id, request_id=request_id)
    except NotFound:
        raise  # someone else's request reads like a missing one: the 404 page
    except ConsentryError as exc:
        return _refused(request, db, member, exc)
    return RedirectResponse(f"/connections?done={action}", status_code=303)


@router.post("/connection-requests/{request_id}/accept")
def accept(
    request: Request, db: DbSession, member: CurrentMember, request_id: RequestId
) -> Response:
    return _answer(request, db, member, request_id, "accepted")


@router.post("/connection-requests/{request_id}/decline")
def decline(
    request: Request, db: DbSession, member: CurrentMember, request_id: RequestId
) -> Response:
    return _answer(request, db, member, request_id, "declined")


@router.post("/connection-requests/{request_id}/withdraw")
def withdraw(
    request: Request, db: DbSession, member: CurrentMember, request_id: RequestId
) -> Response:
    return _answer(request, db, member, request_id, "withdrawn")


@router.post("/connections/{handle}/remove")
def remove(db: DbSession, member: CurrentMember, handle: Handle) -> Response:
    other = member_by_handle(db, handle)
    network.remove(db, member_id=member.id, other_id=other.id)
    return RedirectResponse("/connections?done=removed", status_code=303)


def install(app: FastAPI) -> None:
    """Add the network pages and their header link."""
    app.include_router(router)
    app.state.nav.append(NavItem("My network", "/connections"))
