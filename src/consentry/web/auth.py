"""Signing in and out: the log-in form, what the session keeps, every password check.

The session is kept on the server (`web.sessions`: the cookie carries a random secret,
the row is found by its hash under the keyring's `sessions` key, so
`consentry keys rotate sessions` signs everyone out without touching API tokens or
record ids). It holds the member's id, a fingerprint of their password hash and the CSRF
token. Signing in replaces all three and the session's secret; signing out deletes it.

Every password check (log-in, API token, password change, erasure) goes through the
log-in throttle (`network.login_throttle`, on the database shared by every process).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from consentry.network.accounts import authenticate, verify_password
from consentry.network.login_throttle import Attempt, LoginThrottle, Throttled
from consentry.store.tables import Member
from consentry.web.csrf import rotate_csrf_token
from consentry.web.deps import (
    SESSION_FINGERPRINT,
    SESSION_MEMBER,
    OptionalMember,
    Viewer,
)
from consentry.web.errors import TooManyAttempts
from consentry.web.layout import render
from consentry.web.sessions import renew
from consentry.web.tokens import password_fingerprint

router = APIRouter(include_in_schema=False)

MAX_EMAIL = 320
MAX_PASSWORD = 1024


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def begin_password_check(request: Request, account: str) -> Attempt:
    """A slot from the log-in throttle for one password check of `account` from this
    client (TooManyAttempts when it must wait); report with `end_password_check`."""
    throttle: LoginThrottle = request.app.state.login_throttle
    try:
        return throttle.attempt(account, client_address(request))
    except Throttled as exc:
        raise TooManyAttempts(exc.retry_after_s) from None


def end_password_check(request: Request, attempt: Attempt, ok: bool) -> None:
    throttle: LoginThrottle = request.app.state.login_throttle
    (throttle.succeeded if ok else throttle.failed)(attempt)


def check_credentials(request: Request, email: str, password: str) -> Member | None:
    """The member these credentials sign in (detached), or None; throttled
    (TooManyAttempts). Read in a short transaction of its own: the throttle writes its
    counters in theirs, and a request transaction begun before them could not write
    after them on SQLite (its snapshot would be stale)."""
    attempt = begin_password_check(request, email[:MAX_EMAIL])
    with request.app.state.sessions() as session:
        member = authenticate(session, email[:MAX_EMAIL], password[:MAX_PASSWORD])
    end_password_check(request, attempt, member is not None)
    return member


def check_password(request: Request, member: Member, password: str) -> bool:
    """Re-authentication: True when `password` is `member`'s, counted by the log-in
    throttle like a log-in to their account (TooManyAttempts when it must wait)."""
    attempt = begin_password_check(request, member.email)
    ok = bool(password) and verify_password(member.password_hash, password[:MAX_PASSWORD])
    end_password_check(request, attempt, ok)
    return ok


def sign_in(request: Request, member: Member) -> None:
    """Make this browser session belong to `member` (a fresh session and CSRF token)."""
    request.session.clear()
    renew(request.scope)
    request.session[SESSION_MEMBER] = member.id
    request.session[SESSION_FINGERPRINT] = password_fingerprint(member.password_hash)
    rotate_csrf_token(request)
    request.state.member = Viewer.of(member)


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.member = None


def safe_next(target: str | None) -> str:
    """Where to go after log-in: a path on this site only, never another origin."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/feed"
    return target


@router.get("/login")
def login_page(request: Request, member: OptionalMember, next: str | None = None) -> Response:
    if member is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/feed",
) -> Response:
    context = {"next": safe_next(next), "email": email}
    try:
        member = check_credentials(request, email, password)
    except TooManyAttempts as exc:
        return render(
            request,
            "login.html",
            {
                **context,
                "error": f"Too many failed attempts. Try again in {exc.retry_after_s} seconds.",
            },
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    if member is None:
        return render(
            request,
            "login.html",
            {**context, "error": "That email and password do not match an account."},
            status_code=401,
        )
    sign_in(request, member)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
