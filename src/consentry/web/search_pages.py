"""The search page: people, posts and jobs found by the database's full-text search
(`consentry.network.search`), one kind at a time, paginated. The header of every page
carries a search box that lands here. Works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response

from consentry.network import search
from consentry.network.search import SearchKind
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import render

router = APIRouter(include_in_schema=False)

LABELS = {SearchKind.PEOPLE: "People", SearchKind.POSTS: "Posts", SearchKind.JOBS: "Jobs"}


def install(app: FastAPI) -> None:
    app.include_router(router)


@router.get("/search")
def search_page(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    q: Annotated[str, Query(max_length=search.MAX_QUERY)] = "",
    type: SearchKind = SearchKind.PEOPLE,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    per_page = request.app.state.options.per_page
    found = search.search(db, type, q, viewer_id=member.id, page=page, per_page=per_page)
    return render(
        request,
        "search.html",
        {
            "q": q,
            "kind": type.value,
            "kinds": [(k.value, label) for k, label in LABELS.items()],
            "found": found,
            "has_words": bool(search.terms(q)),
        },
    )
