"""Request dependencies, as `Annotated` aliases routes declare by type.

- `DbSession`: one SQLAlchemy session per request. It commits when the route returns and
  rolls back when it raises, before the response is sent, so a client never sees success
  for a change that was not committed.
- `OptionalMember` / `CurrentMember`: who is asking, from an `Authorization: Bearer` API
  token or else the session cookie. `CurrentMember` answers 401 JSON under /api and
  redirects a browser to /login. Either sets `request.state.member` (a `Viewer`) for templates, and
  runs each `app.state.member_hooks` entry for a signed-in member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from consentry.network.queries import live_member
from consentry.store.tables import Member
from consentry.web.errors import NotSignedIn
from consentry.web.tokens import ApiTokens, password_fingerprint

# Called once per request that resolves a signed-in member, inside the request's
# transaction: e.g. to act on a `Sec-GPC: 1` header for that member.
MemberHook = Callable[[Request, Session, Member], None]

SESSION_MEMBER = "member_id"


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, copied out of the `Member` row: `request.state.member` holds one,
    so templates and error pages can use it after the request's transaction has ended."""

    id: int
    handle: str
    display_name: str
    email: str
    region: str
    role: str

    @classmethod
    def of(cls, member: Member) -> Viewer:
        return cls(
            member.id,
            member.handle,
            member.display_name,
            member.email,
            member.region,
            member.role,
        )


SESSION_FINGERPRINT = "pw"


def db_session(request: Request) -> Iterator[Session]:
    """A session for this request; commit on success, roll back on any error."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def _from_token(request: Request, db: Session, header: str) -> Member:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("the Authorization header must be 'Bearer <token>'")
    tokens: ApiTokens = request.app.state.tokens
    claims = tokens.read(token.strip())
    member = live_member(db, claims.member_id) if claims is not None else None
    if claims is None or member is None or not claims.still_valid_for(member):
        raise NotSignedIn("the API token is invalid or has expired")
    return member


def _from_session(request: Request, db: Session) -> Member | None:
    member_id = request.session.get(SESSION_MEMBER)
    if type(member_id) is not int:
        return None
    member = live_member(db, member_id)
    fingerprint = request.session.get(SESSION_FINGERPRINT)
    if member is None or fingerprint != password_fingerprint(member.password_hash):
        # Deleted account or changed password: this session no longer signs anyone in.
        request.session.clear()
        return None
    return member


def optional_member(request: Request, db: DbSession) -> Member | None:
    """The signed-in member, or None. A bad API token is an error, never anonymous."""
    header = request.headers.get("authorization")
    member = _from_token(request, db, header) if header else _from_session(request, db)
    request.state.member = Viewer.of(member) if member is not None else None
    if member is not None:
        hooks: list[MemberHook] = request.app.state.member_hooks
        for hook in hooks:
            hook(request, db, member)
    return member


OptionalMember = Annotated[Member | None, Depends(optional_member)]


def current_member(member: OptionalMember) -> Member:
    """The signed-in member; raises `NotSignedIn` (401 or a redirect to /login)."""
    if member is None:
        raise NotSignedIn()
    return member


CurrentMember = Annotated[Member, Depends(current_member)]
