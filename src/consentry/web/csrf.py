"""Cross-site request forgery protection: one secret token per browser session.

Every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's token,
either as the `csrf_token` form field (pages write it with `csrf_input()`) or as the
`X-CSRF-Token` header (scripts using the session cookie). `require_csrf` is installed as
an app-wide dependency, so a route added later is protected without doing anything.

Two kinds of request are exempt, because neither rides on a cookie the browser adds by
itself: a request with an `Authorization: Bearer` API token, and a route marked with
`@csrf_exempt` (issuing an API token, which answers only whoever knows the password and
sets no cookie).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

F = TypeVar("F", bound=Callable)


class CsrfRejected(Exception):
    """A state-changing request without its session's CSRF token (answered with 403)."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate_csrf_token(request: Request) -> str:
    """A fresh token, e.g. when the member behind the session changes."""
    request.session.pop(SESSION_KEY, None)
    return csrf_token(request)


def csrf_exempt(endpoint: F) -> F:
    """Mark a route as safe without a CSRF token (see the module docstring for when)."""
    endpoint.csrf_exempt = True  # type: ignore[attr-defined]
    return endpoint


def has_bearer_token(request: Request) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(credentials.strip())


async def require_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token does not match its session's."""
    if request.method not in UNSAFE_METHODS or has_bearer_token(request):
        return
    route = request.scope.get("route")
    if getattr(getattr(route, "endpoint", None), "csrf_exempt", False):
        return
    sent = request.headers.get(HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(_FORM_TYPES):
        value = (await request.form()).get(FORM_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get(SESSION_KEY)
    if not sent or not isinstance(expected, str) or not expected:
        raise CsrfRejected()
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected()
