"""Signing in safely: the member's sessions, API tokens and password, as pages and API.

- /account/security: the browser sessions signed in as the member (this one marked),
  each with a button to end it; their API tokens with their scopes, each revocable; and
  the password change form (the current password, then the new one twice).
- /api/v1/me/sessions, /api/v1/me/tokens (GET, and DELETE one by id) and
  POST /api/v1/me/password: the same for scripts.

Changing the password ends every other session and revokes every other API token, in the
same transaction as the change; the session or token asking keeps working. The current
password is checked behind the log-in throttle, like a log-in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput
from consentry.network import api_tokens, web_sessions
from consentry.network.accounts import WrongPassword, set_password, verify_password
from consentry.store.engine import get_row
from consentry.store.tables import Member
from consentry.web.api import _ERRORS
from consentry.web.auth import MAX_PASSWORD, begin_password_check, end_password_check
from consentry.web.deps import (
    SESSION_FINGERPRINT,
    CurrentMember,
    DbSession,
    DetachedMember,
    session_id,
    token_id,
)
from consentry.web.layout import render
from consentry.web.schemas import UtcDateTime
from consentry.web.sessions import timeouts_of
from consentry.web.tokens import password_fingerprint

pages = APIRouter(include_in_schema=False)
_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
api = APIRouter(
    prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)], tags=["security"]
)

PublicId = Annotated[str, Path(max_length=32, pattern=r"^[a-f0-9]{1,32}$")]


class SessionOut(BaseModel):
    id: str
    created_at: UtcDateTime
    last_seen_at: UtcDateTime
    expires_at: UtcDateTime = Field(description="When it ends however busy (absolute timeout).")
    user_agent: str
    address: str
    current: bool = Field(description="true for the session making this request.")


class TokenInfoOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: UtcDateTime
    expires_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    current: bool = Field(description="true for the token making this request.")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class PasswordOut(BaseModel):
    changed: bool
    sessions_ended: int = Field(description="Your other browser sessions, now signed out.")
    tokens_revoked: int = Field(description="Your other API tokens, now revoked.")


def _sessions(request: Request, db: Session, member: Member) -> list[SessionOut]:
    mine = session_id(request)
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            address=row.address,
            current=row.id == mine,
        )
        for row in web_sessions.member_sessions(db, member.id, timeouts_of(request.app.state))
    ]


def _tokens(request: Request, db: Session, member: Member) -> list[TokenInfoOut]:
    mine = token_id(request)
    return [
        TokenInfoOut(
            id=row.id,
            name=row.name,
            scopes=row.scopes.split(),
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            current=row.id == mine,
        )
        for row in api_tokens.member_tokens(db, member.id)
    ]


def change_own_password(
    request: Request, db: Session, who: Member, current: str, new: str
) -> PasswordOut:
    """Change the signed-in member's password (the current one checked behind the
    log-in throttle) and end their other sessions and tokens; raises InvalidInput,
    nothing changed. `who` is detached: `db` begins its transaction after the check."""
    attempt = begin_password_check(request, who.email)
    ok = bool(current) and verify_password(who.password_hash, current)
    end_password_check(request, attempt, ok=ok)
    if not ok:
        raise WrongPassword("Your current password is not right.")
    member = get_row(db, Member, who.id)
    set_password(member, new)
    ended = web_sessions.end_all(db, member.id, keep=session_id(request))
    revoked = api_tokens.revoke_all(db, member.id, keep=token_id(request))
    if session_id(request) is not None:  # this browser stays signed in, under the new one
        request.session[SESSION_FINGERPRINT] = password_fingerprint(member.password_hash)
    return PasswordOut(changed=True, sessions_ended=ended, tokens_revoked=revoked)


def _page(request: Request, db: Session, member: Member, **extra) -> Response:
    status = extra.pop("status_code", 200)
    context = {
        "sessions": _sessions(request, db, member),
        "tokens": _tokens(request, db, member),
        **extra,
    }
    return render(request, "security.html", context, status_code=status)


@pages.get("/account/security")
def security_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return _page(request, db, member, done=request.query_params.get("done", ""))


@pages.post("/account/password")
def password_form(
    request: Request,
    db: DbSession,
    member: DetachedMember,
    current_password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    new_password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    repeat_password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
) -> Response:
    try:
        if new_password != repeat_password:
            raise InvalidInput("The two new passwords are not the same.")
        change_own_password(request, db, member, current_password, new_password)
    except InvalidInput as exc:
        db.rollback()
        return _page(request, db, member, error=str(exc), status_code=400)
    return RedirectResponse("/account/security?done=password", status_code=303)


@pages.post("/account/sessions/{session}/end")
def end_session_form(
    request: Request, db: DbSession, member: CurrentMember, session: PublicId
) -> Response:
    web_sessions.end_own(db, member.id, session)
    return RedirectResponse("/account/security?done=session", status_code=303)


@pages.post("/account/tokens/{token}/revoke")
def revoke_token_form(db: DbSession, member: CurrentMember, token: PublicId) -> Response:
    api_tokens.revoke(db, member.id, token)
    return RedirectResponse("/account/security?done=token", status_code=303)


@api.get("/me/sessions", response_model=list[SessionOut])
def get_sessions(request: Request, db: DbSession, member: CurrentMember) -> list[SessionOut]:
    """Your browser sessions that are signed in now, most recently used first."""
    return _sessions(request, db, member)


@api.delete("/me/sessions/{session}", status_code=204)
def delete_session(db: DbSession, member: CurrentMember, session: PublicId) -> Response:
    """Sign one of your browser sessions out (404 for an id that is not yours)."""
    web_sessions.end_own(db, member.id, session)
    return Response(status_code=204)


@api.get("/me/tokens", response_model=list[TokenInfoOut])
def get_tokens(request: Request, db: DbSession, member: CurrentMember) -> list[TokenInfoOut]:
    """Your API tokens, newest first, revoked and expired ones included."""
    return _tokens(request, db, member)


@api.delete("/me/tokens/{token}", status_code=204)
def delete_token(db: DbSession, member: CurrentMember, token: PublicId) -> Response:
    """Revoke one of your API tokens (404 for an id that is not yours)."""
    api_tokens.revoke(db, member.id, token)
    return Response(status_code=204)


@api.post("/me/password", response_model=PasswordOut)
def post_password(
    request: Request, db: DbSession, member: DetachedMember, body: PasswordIn
) -> PasswordOut:
    """Change your password: your current one, then the new one. Your other sessions
    end and your other API tokens are revoked; this one keeps working."""
    return change_own_password(request, db, member, body.current_password, body.new_password)


def install(app: FastAPI) -> None:
    """Add the security page and API routes."""
    app.include_router(pages)
    app.include_router(api)
