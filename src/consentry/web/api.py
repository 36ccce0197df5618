"""The HTTP API under /api/v1: JSON in, JSON out, errors as `{"error": "..."}`.

Authentication is an `Authorization: Bearer <token>` API token (from POST /api/v1/tokens)
or the browser's session cookie; with the cookie, state-changing calls also need the
`X-CSRF-Token` header (GET /api/v1/me returns the token).

Extension point: `app.state.usage_sources` is a list of callables
`(request) -> Mapping[str, bool | None]` giving the usage preferences a request states for the
item it creates (for example from a `Content-Usage` header). POST /api/v1/posts records
their combination, where a denial from any source wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPBearer

from consentry.network import queries
from consentry.network.api_tokens import Scope
from consentry.network.publishing import publish_post
from consentry.web.auth import check_credentials
from consentry.web.csrf import csrf_exempt, csrf_token, has_bearer_token
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.errors import NotSignedIn
from consentry.web.schemas import (
    CreatedPostOut,
    ErrorOut,
    FeedOut,
    MemberOut,
    MeOut,
    PostIn,
    PostOut,
    TokenIn,
    TokenOut,
)
from consentry.web.tokens import ApiTokens

UsageSource = Callable[[Request], Mapping[str, bool | None]]

# Declared so the OpenAPI schema shows the bearer scheme; `deps` does the actual check.
_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
    429: {"model": ErrorOut},
}

public = APIRouter(prefix="/api/v1", tags=["auth"], responses=_ERRORS)
router = APIRouter(prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)])

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def combine_usage(statements: Iterable[Mapping[str, bool | None]]) -> dict[str, bool]:
    """Combine usage statements per category: any denial beats any permission; None
    (unknown) states nothing."""
    combined: dict[str, bool] = {}
    for statement in statements:
        for category, allowed in statement.items():
            if allowed is not None:
                combined[category] = combined.get(category, True) and bool(allowed)
    return combined


def _next(page: queries.Page) -> int | None:
    return page.page + 1 if page.has_next else None


@public.post("/tokens", status_code=201, response_model=TokenOut)
@csrf_exempt
def issue_token(request: Request, db: DbSession, body: TokenIn) -> TokenOut:
    """Exchange an email and password for an API token (throttled like the log-in form),
    with the scopes asked for: read and write unless named; erase only when named."""
    member = check_credentials(request, body.email, body.password)
    if member is None:
        raise NotSignedIn("that email and password do not match an account")
    tokens: ApiTokens = request.app.state.tokens
    scopes = frozenset(Scope(name) for name in body.scopes)
    token, row = tokens.issue(db, member.id, scopes=scopes, name=body.name)
    return TokenOut(
        access_token=token,
        expires_in=tokens.max_age_s,
        token_id=row.id,
        scopes=row.scopes.split(),
    )


@router.get("/me", response_model=MeOut, tags=["members"])
def me(request: Request, member: CurrentMember) -> MeOut:
    """The signed-in member's own account."""
    return MeOut.of(member, None if has_bearer_token(request) else csrf_token(request))


@router.get("/feed", response_model=FeedOut, tags=["posts"])
def feed(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    page: PageNumber = 1,
    network_only: bool = False,
) -> FeedOut:
    """Recent posts the member may read: their own, their connections', public ones."""
    found = queries.feed(
        db,
        viewer_id=member.id,
        network_only=network_only,
        page=page,
        per_page=request.app.state.options.per_page,
    )
    return FeedOut(items=[PostOut.of(p) for p in found.items], page=page, next_page=_next(found))


@router.post("/posts", status_code=201, response_model=CreatedPostOut, tags=["posts"])
def create_post(
    request: Request, db: DbSession, member: CurrentMember, body: PostIn
) -> CreatedPostOut:
    """Publish a post or an article by the signed-in member."""
    sources: list[UsageSource] = request.app.state.usage_sources
    usage = combine_usage(source(request) for source in sources)
    row = publish_post(
        db,
        author_id=member.id,
        text=body.text,
        visibility=body.visibility,
        kind=body.kind,
        title=body.title,
        usage=usage,
    )
    created = queries.post(db, post_id=row.id, viewer_id=member.id)
    if created is None:  # pragma: no cover - the author can always read their own post
        raise HTTPException(500, "the new post could not be read back")
    stated = queries.usage_preferences(db, data_class=row.kind, item_id=row.id)
    return CreatedPostOut(**PostOut.of(created).model_dump(), usage_preferences=stated)


@router.get("/members/{handle}", response_model=MemberOut, tags=["members"])
def member(
    db: DbSession, member: CurrentMember, handle: Annotated[str, Path(max_length=64)]
) -> MemberOut:
    """A member's public profile."""
    other = queries.live_member_by_handle(db, handle)
    if other is None:
        raise HTTPException(404, f"no member has the handle {handle!r}")
    return MemberOut.of(queries.profile(db, other))
