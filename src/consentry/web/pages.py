"""The member-facing pages: feed (with the compose form) and profiles (jobs are
`web.jobs_pages`).

Routes stay thin: read through `consentry.network.queries`, write through
`consentry.network.publishing`, render a template. They work without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from consentry.network import connections, queries
from consentry.network.publishing import MAX_TEXT, PostRejected, publish_post
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember, DbSession, OptionalMember
from consentry.web.layout import render

router = APIRouter(include_in_schema=False)

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# The checkbox "No AI training" states this usage preference on the new item (IETF
# aipref vocabulary: `train-ai`), allowed = False.
NO_AI_CATEGORY = "train-ai"


@router.get("/")
def home(member: OptionalMember) -> Response:
    return RedirectResponse("/feed" if member is not None else "/login", status_code=303)


def _feed_page(
    request: Request,
    db,
    member: Member,
    *,
    page: int = 1,
    network_only: bool = False,
    error: str | None = None,
    draft: dict | None = None,
    status_code: int = 200,
) -> Response:
    per_page = request.app.state.options.per_page
    posts = queries.feed(
        db, viewer_id=member.id, network_only=network_only, page=page, per_page=per_page
    )
    return render(
        request,
        "feed.html",
        {
            "posts": posts,
            "network_only": network_only,
            "error": error,
            "draft": draft or {"text": "", "visibility": "public", "no_ai_training": False},
            "max_text": MAX_TEXT,
        },
        status_code=status_code,
    )


@router.get("/feed")
def feed(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    page: PageNumber = 1,
    scope: Annotated[str, Query(pattern="^(all|network)$")] = "all",
) -> Response:
    return _feed_page(request, db, member, page=page, network_only=scope == "network")


@router.post("/posts")
def create_post(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    text: Annotated[str, Form(max_length=MAX_TEXT * 2)] = "",
    visibility: Annotated[str, Form(max_length=32)] = "public",
    no_ai_training: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    no_ai = no_ai_training is not None
    usage = {NO_AI_CATEGORY: False} if no_ai else {}
    try:
        publish_post(db, author_id=member.id, text=text, visibility=visibility, usage=usage)
    except PostRejected as exc:
        draft = {"text": text, "visibility": visibility, "no_ai_training": no_ai}
        return _feed_page(request, db, member, error=str(exc), draft=draft, status_code=400)
    return RedirectResponse("/feed", status_code=303)


@router.get("/profile")
def my_profile(request: Request, db: DbSession, member: CurrentMember) -> Response:
    view = queries.profile(db, member)
    posts = queries.posts_by(db, author_id=member.id, viewer_id=member.id, per_page=10)
    return render(
        request, "profile.html", {"profile": view, "posts": posts, "own": True, "me": member}
    )


@router.get("/members/{handle}")
def member_page(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    handle: Annotated[str, Path(max_length=64)],
) -> Response:
    other = queries.live_member_by_handle(db, handle)
    if other is None:
        raise HTTPException(404, f"There is no member called {handle!r}.")
    if other.id == member.id:
        return RedirectResponse("/profile", status_code=303)
    view = queries.profile(db, other)
    posts = queries.posts_by(db, author_id=other.id, viewer_id=member.id, per_page=10)
    relation = connections.relation(db, member.id, other.id)
    return render(
        request,
        "profile.html",
        {
            "profile": view,
            "posts": posts,
            "own": False,
            "connected": relation.connected,
            "relation": relation,
            "mutual": connections.mutual_count(db, member.id, other.id),
            "max_note": connections.MAX_NOTE,
        },
    )
