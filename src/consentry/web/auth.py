"""Signing in and out: the log-in form, the session cookie's contents, log-in throttling.

The session itself is Starlette's signed cookie (`SessionMiddleware`, keyed by the
keyring's `sessions` key, so `consentry keys rotate sessions` and a restart sign everyone
out without touching API tokens or record ids). It holds the member's id, a fingerprint
of their password hash (so a password change ends every session) and the CSRF token.
Signing in replaces all three.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from consentry.network.accounts import authenticate
from consentry.store.tables import Member
from consentry.web.csrf import rotate_csrf_token
from consentry.web.deps import (
    SESSION_FINGERPRINT,
    SESSION_MEMBER,
    DbSession,
    OptionalMember,
    Viewer,
)
from consentry.web.errors import TooManyAttempts
from consentry.web.layout import render
from consentry.web.tokens import password_fingerprint

router = APIRouter(include_in_schema=False)

MAX_EMAIL = 320
MAX_PASSWORD = 1024


class LoginThrottle:
    """At most `max_failures` failed log-ins per (email, client address) per `window_s`.

    In memory and per process: enough to stop password guessing against one server;
    a deployment with several processes puts a shared limiter in front. Thread-safe.
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(email: str, address: str) -> tuple[str, str]:
        return email.strip().lower(), address

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def check(self, key: tuple[str, str]) -> None:
        """Raise `TooManyAttempts` while `key` has used up its failures."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                wait = int(times[0] + self.window_s - now) + 1
                raise TooManyAttempts(max(wait, 1))

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            if len(self._failures) > 10_000:  # keep memory bounded under a spray of keys
                for stale in [k for k, v in self._failures.items() if not self._recent(k, now)]:
                    del self._failures[stale]

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_credentials(request: Request, db, email: str, password: str) -> Member | None:
    """The member these credentials sign in, or None; throttled per email and address."""
    throttle: LoginThrottle = request.app.state.login_throttle
    key = throttle.key(email, client_address(request))
    throttle.check(key)
    member = authenticate(db, email[:MAX_EMAIL], password[:MAX_PASSWORD])
    if member is None:
        throttle.failed(key)
    else:
        throttle.succeeded(key)
    return member


def sign_in(request: Request, member: Member) -> None:
    """Make this browser session belong to `member` (a fresh session and CSRF token)."""
    request.session.clear()
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
    db: DbSession,
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/feed",
) -> Response:
    context = {"next": safe_next(next), "email": email}
    try:
        member = check_credentials(request, db, email, password)
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
