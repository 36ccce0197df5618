"""How the web app says no: JSON `{"error": ...}` under /api, a plain page elsewhere.

Every failure a client can cause ends in a 4xx with a one-line reason; anything else is
logged here and answered with a 500 that reveals nothing about the server.

The domain's error kinds (`consentry.errors`) get their HTTP status here and nowhere
else: NotFound 404, Forbidden 403, Conflict 409, InvalidInput 400, Transient 503 (with
`Retry-After`), any other ConsentryError 400. Services raise kinds, never HTTP errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar, cast
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from consentry.errors import (
    Conflict,
    ConsentryError,
    Forbidden,
    InvalidInput,
    NotFound,
    Transient,
)
from consentry.web.csrf import CsrfRejected
from consentry.web.layout import render

log = logging.getLogger("consentry.web")

API_PREFIX = "/api/"


class NotSignedIn(Exception):
    """The request needs a signed-in member (session cookie or API token) and has none."""

    def __init__(self, reason: str = "sign in, or send an API token as 'Authorization: Bearer'"):
        super().__init__(reason)
        self.reason = reason


class TooManyAttempts(Exception):
    """Log-in is paused for this email and address after repeated failures."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"too many failed log-ins; try again in {retry_after_s} seconds")
        self.retry_after_s = retry_after_s


def wants_json(request: Request) -> bool:
    """API clients get JSON; everyone else (a browser) gets a page."""
    return request.url.path.startswith(API_PREFIX)


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict | None = None,
) -> Response:
    """The one shape of an error: JSON under /api, the error page elsewhere."""
    if wants_json(request):
        return JSONResponse({"error": message, **(extra or {})}, status, headers=headers)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": title or _TITLES.get(status, "Something went wrong"),
            "message": message,
        },
        status_code=status,
        headers=headers,
    )


_TITLES = {
    400: "That request could not be used",
    401: "Please sign in",
    403: "That request was refused",
    404: "Not found",
    405: "Method not allowed",
    409: "That cannot be done now",
    422: "That request could not be used",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Please try again in a moment",
}


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, exc.status_code, message, headers=headers)


def _where(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = [
        {"field": _where(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"field": "request", "message": "invalid"}
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    message = f"{first['field']}: {first['message']}{more}"
    status = 422 if wants_json(request) else 400
    return error_response(request, status, message, extra={"fields": problems})


# Most specific first: a subclass of a kind (e.g. a refusal that is a Forbidden) gets the
# kind's status. InvalidInput stays 400, as a malformed form or query always was here.
STATUS_OF_KIND: tuple[tuple[type[ConsentryError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 400),
    (Transient, 503),
)
#: Seconds a client is told to wait before repeating a request that met a Transient error.
TRANSIENT_RETRY_AFTER_S = 1


def status_of(exc: ConsentryError) -> int:
    """The HTTP status of a domain error: its kind's, or 400 for a plain ConsentryError."""
    return next((status for kind, status in STATUS_OF_KIND if isinstance(exc, kind)), 400)


def _user_error(request: Request, exc: ConsentryError) -> Response:
    status = status_of(exc)
    headers = {"Retry-After": str(TRANSIENT_RETRY_AFTER_S)} if status == 503 else None
    return error_response(request, status, str(exc), headers=headers)


def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
    if wants_json(request):
        return JSONResponse({"error": exc.reason}, 401, headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
    if wants_json(request):
        return error_response(request, 403, "missing or invalid CSRF token (X-CSRF-Token header)")
    return error_response(
        request,
        403,
        "This form was out of date or did not come from Consentry. "
        "Go back, reload the page and try again.",
        title="That form could not be accepted",
    )


def _too_many(request: Request, exc: TooManyAttempts) -> Response:
    return error_response(request, 429, str(exc), headers={"Retry-After": str(exc.retry_after_s)})


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if wants_json(request):
        return JSONResponse({"error": "internal error"}, 500)
    try:
        return error_response(request, 500, "Please try again in a moment.")
    except Exception:  # the error page itself failed: say as little as possible
        return Response("internal error", 500, media_type="text/plain")


E = TypeVar("E", bound=Exception)


def _handle(app: FastAPI, kind: type[E], handler: Callable[[Request, E], Response]) -> None:
    # Starlette types every handler as taking any Exception, but only ever calls it with
    # an instance of the class it was registered for.
    app.add_exception_handler(kind, cast(Callable[[Request, Exception], Response], handler))


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception a request can raise to one of the handlers above."""
    _handle(app, StarletteHTTPException, _http_error)
    _handle(app, RequestValidationError, _validation_error)
    _handle(app, ConsentryError, _user_error)
    _handle(app, NotSignedIn, _not_signed_in)
    _handle(app, CsrfRejected, _csrf_rejected)
    _handle(app, TooManyAttempts, _too_many)
    _handle(app, Exception, _unexpected)
