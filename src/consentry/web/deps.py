"""Request dependencies, as `Annotated` aliases routes declare by type.

- `DbSession`: one SQLAlchemy session per request. It commits when the route returns and
  rolls back when it raises, before the response is sent, so a client never sees success
  for a change that was not committed.
- `OptionalMember` / `CurrentMember`: who is asking, from an `Authorization: Bearer` API
  token or else the session cookie, as a row of the request's session. A token must
  carry the `read` scope for a GET and `write` for any change (403 otherwise);
  `require_scope` asks for more (`erase`). `CurrentMember`
  answers 401 JSON under /api and redirects a browser to /login. Either sets
  `request.state.member` (a `Viewer`) for templates, and runs each
  `app.state.member_hooks` entry for a signed-in member.
- `LedgerMember`: the signed-in member for a route whose work appends to the consent
  ledger (a choice, a withdrawal, an erasure, a notice shown). Such a service is its own
  unit of work (it takes the ledger's write lock), so the route must not hold a request
  transaction around it: this member is read in a short transaction of its own, over
  before the route runs, and the route touches `DbSession`, if at all, only after the
  write (a session begins its transaction at first use, so those reads see it).

Who is asking is always read that way, apart from the request's unit of work, and the
member hooks run between the two: a hook that appends to the ledger (GPC) is its own
unit of work too, and the request's transaction, begun after it, reads what it wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consentry.errors import Forbidden
from consentry.network import api_tokens
from consentry.network.api_tokens import Holder, Scope
from consentry.network.queries import live_member
from consentry.store.engine import immediate, session_scope
from consentry.store.tables import Member
from consentry.web.errors import NotSignedIn
from consentry.web.sessions import SCOPE_ID, SESSION_MEMBER
from consentry.web.tokens import ApiTokens, password_fingerprint

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger("consentry.web")

# Called once per request that resolves a signed-in member, before the request's own
# transaction begins: e.g. to act on a `Sec-GPC: 1` header for that member. The member
# is detached (read in a session already closed); a hook that writes opens its own unit.
MemberHook = Callable[[Request, Member], None]


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
    holder = tokens.read(db, token.strip())
    member = live_member(db, holder.member_id) if holder is not None else None
    if holder is None or member is None:
        raise NotSignedIn("the API token is invalid, revoked or expired")
    request.state.token = holder
    if holder.stale:
        _touch_token(request, holder.token_id)
    needed = Scope.READ if request.method in SAFE_METHODS else Scope.WRITE
    if needed not in holder.scopes:
        raise Forbidden(f"this API token lacks the {needed.value!r} scope")
    return member


def _touch_token(request: Request, token_id: str) -> None:
    # A write of its own, begun as a writer (IMMEDIATE on SQLite): SQLite refuses at once to
    # turn the request's read transaction into a write once another writer has committed.
    # A last-used time is a hint, never worth failing the request over.
    try:
        with session_scope(immediate(request.app.state.engine)) as session:
            api_tokens.touch(session, token_id)
    except OperationalError:
        log.warning("could not record the use of API token %s; the database is busy", token_id)


def require_scope(scope: Scope) -> Callable[[Request], None]:
    """A route dependency: an API token must carry `scope` (a session carries them all).
    Declare it after the member dependency, which reads the token."""

    def check(request: Request) -> None:
        holder: Holder | None = getattr(request.state, "token", None)
        if holder is not None and scope not in holder.scopes:
            raise Forbidden(f"this API token lacks the {scope.value!r} scope")

    check.__name__ = f"require_{scope.value}_scope"
    return check


def session_id(request: Request) -> str | None:
    """The public id of the request's browser session (None: an API token, or none)."""
    return request.scope.get(SCOPE_ID)


def token_id(request: Request) -> str | None:
    """The id of the API token the request came with (None: a browser session)."""
    holder: Holder | None = getattr(request.state, "token", None)
    return holder.token_id if holder is not None else None


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


def signed_in(request: Request) -> Member | None:
    """Who is asking (detached), read in its own short transaction; then the member
    hooks run. None when nobody is signed in; a bad API token is an error, never
    anonymous."""
    header = request.headers.get("authorization")
    with request.app.state.sessions() as session:
        member = (
            _from_token(request, session, header) if header else _from_session(request, session)
        )
        session.commit()  # a token's last use
    request.state.member = Viewer.of(member) if member is not None else None
    if member is not None:
        hooks: list[MemberHook] = request.app.state.member_hooks
        for hook in hooks:
            hook(request, member)
    return member


SignedIn = Annotated[Member | None, Depends(signed_in)]


def optional_member(db: DbSession, who: SignedIn) -> Member | None:
    """The signed-in member as a row of the request's session, or None."""
    return None if who is None else db.get(Member, who.id)


OptionalMember = Annotated[Member | None, Depends(optional_member)]


def current_member(member: OptionalMember) -> Member:
    """The signed-in member; raises `NotSignedIn` (401 or a redirect to /login)."""
    if member is None:
        raise NotSignedIn()
    return member


CurrentMember = Annotated[Member, Depends(current_member)]


def ledger_member(who: SignedIn) -> Member:
    """The signed-in member, detached, with no request transaction open; raises
    `NotSignedIn` like `current_member`. See `LedgerMember` in the module docstring."""
    if who is None:
        raise NotSignedIn()
    return who


LedgerMember = Annotated[Member, Depends(ledger_member)]
# The same, for a route that checks a password first: the log-in throttle's counters are
# written in units of work of their own, so the route's `DbSession` begins after them.
DetachedMember = LedgerMember
