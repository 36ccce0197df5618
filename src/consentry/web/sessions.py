"""The session middleware: `request.session` backed by a database row, not the cookie.

The cookie (`consentry_session`) carries only a random secret; the row it names
(`consentry.network.web_sessions`) holds the member's id and the CSRF token. Routes use
`request.session` as with Starlette's signed-cookie sessions; after the route, this
middleware writes what changed:

- nothing kept (signed out, or never used): the row is deleted and the cookie expired;
- signed in (`renew`), or a different member than before: a new row with a new secret,
  the old one deleted, so a secret known before signing in is worth nothing after it;
- otherwise, changed data is saved to the same row.

It reads `app.state` (engine, keyring, settings, options) and runs its database work in
the thread pool, in short units of work of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import OperationalError
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.keys import KeyPurpose
from consentry.network import web_sessions
from consentry.store.engine import immediate, session_scope

SESSION_COOKIE = "consentry_session"
SESSION_MEMBER = "member_id"
# Where the request's session row id is kept in the ASGI scope (None: no row yet).
SCOPE_ID = "consentry.session_id"
SCOPE_RENEW = "consentry.session_renew"


def renew(scope: Scope) -> None:
    """Give this browser a new session secret when the response is sent (on signing in,
    even as the same member: a secret known before is worth nothing after)."""
    scope[SCOPE_RENEW] = True


@dataclass(frozen=True)
class _Context:
    engine: Any
    key: bytes
    timeouts: web_sessions.Timeouts
    secure: bool


def timeouts_of(app_state: Any) -> web_sessions.Timeouts:
    settings = app_state.settings
    return web_sessions.Timeouts(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
    )


def _context(scope: Scope) -> _Context:
    state = scope["app"].state
    return _Context(
        engine=state.engine,
        key=state.keyring.key(KeyPurpose.SESSIONS).secret,
        timeouts=timeouts_of(state),
        secure=state.options.secure_cookies,
    )


class ServerSessions:
    """ASGI middleware putting a database-backed `session` dict into the scope."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ctx = _context(scope)
        connection = HTTPConnection(scope)
        secret = connection.cookies.get(SESSION_COOKIE, "")
        found = await anyio.to_thread.run_sync(self._find, ctx, secret) if secret else None
        initial: dict[str, Any] = {}
        if found is not None:
            initial = dict(found.data)
            if found.member_id is not None:
                initial[SESSION_MEMBER] = found.member_id
        scope["session"] = dict(initial)
        scope[SCOPE_ID] = found.id if found is not None else None
        user_agent = connection.headers.get("user-agent", "")
        address = connection.client.host if connection.client else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = dict(scope["session"])
                renewing = bool(scope.get(SCOPE_RENEW))
                if current != initial or renewing or (secret and found is None):
                    cookie = await anyio.to_thread.run_sync(
                        self._store, ctx, found, current, user_agent, address, renewing
                    )
                    if cookie is not None:
                        headers = MutableHeaders(scope=message)
                        headers.append("set-cookie", self._cookie(ctx, cookie))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    def _find(ctx: _Context, secret: str) -> web_sessions.Found | None:
        try:
            with session_scope(ctx.engine) as session:
                return web_sessions.find(session, ctx.key, secret, ctx.timeouts)
        except OperationalError:
            # A touch of the session (once a minute) turned this read into a write after
            # another writer committed, which SQLite refuses at once: again, as a writer.
            with session_scope(immediate(ctx.engine)) as session:
                return web_sessions.find(session, ctx.key, secret, ctx.timeouts)

    @staticmethod
    def _store(
        ctx: _Context,
        found: web_sessions.Found | None,
        current: dict[str, Any],
        user_agent: str,
        address: str,
        renewing: bool,
    ) -> str | None:
        """Write the session back; the cookie to send: a new secret, "" to expire it,
        None to leave it as it is."""
        member_id = current.pop(SESSION_MEMBER, None)
        member_id = member_id if type(member_id) is int else None
        with session_scope(immediate(ctx.engine)) as session:
            if found is not None and (not current or renewing or member_id != found.member_id):
                web_sessions.end(session, found.id)
            elif found is not None:
                web_sessions.save(session, found.id, current)
                return None  # the same secret: the cookie needs no change
            if not current:
                return ""
            _, secret = web_sessions.create(
                session,
                ctx.key,
                member_id=member_id,
                data=current,
                timeouts=ctx.timeouts,
                user_agent=user_agent,
                address=address,
            )
            return secret

    @staticmethod
    def _cookie(ctx: _Context, value: str) -> str:
        flags = "; path=/; httponly; samesite=lax" + ("; secure" if ctx.secure else "")
        if not value:
            return f"{SESSION_COOKIE}=null; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT{flags}"
        max_age = int(ctx.timeouts.absolute.total_seconds())
        return f"{SESSION_COOKIE}={value}; Max-Age={max_age}{flags}"
