"""The web app: `create_app(settings, engine)` builds it; `consentry serve` runs it.

The app is assembled from small parts, each installed by one call, in this order:
server-side sessions and security headers (middleware), error handlers, the CSRF check on
every state-changing route (an app-wide dependency), then the routers (log-in, pages,
API) and the static files. Later features extend it without editing this file's logic:

- `extra_middleware`: ASGI middleware run inside the session middleware (so it can read
  `scope["session"]`), e.g. one that reads the `Sec-GPC` request header;
- `extensions`: callables `(app) -> None` run last; they add routers, append to
  `app.state.nav` (header links), `app.state.banners` (notices on every page) and
  `app.state.usage_sources` (usage preferences a request states for what it creates)
  and `app.state.member_hooks` (run for every request with a signed-in member, e.g. to
  record a `Sec-GPC: 1` objection through the consent API).

`app.state` also holds `settings`, `engine`, `sessions` (a session factory), `options`,
`tokens` (API tokens), `login_throttle` and `templates`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry import __version__
from consentry.config import Settings
from consentry.consent.ledger import sealed
from consentry.keys import KeyPurpose, Keyring
from consentry.network.login_throttle import LoginThrottle
from consentry.store.engine import sessions
from consentry.store.throttle_storage import SqlStorage
from consentry.web import (
    account,
    account_settings,
    ai_pages,
    api,
    api_admin,
    api_ai,
    api_content,
    api_jobs,
    api_member,
    api_network,
    api_schemas,
    auth,
    connections_pages,
    demo_tour,
    jobs_pages,
    messages_pages,
    notices,
    notification_pages,
    operators,
    pages,
    portability,
    post_pages,
    profile_pages,
    search_pages,
    security,
    settings_pages,
    signals,
    signup,
    verification,
    your_data,
)
from consentry.web.csrf import require_csrf
from consentry.web.errors import install_error_handlers
from consentry.web.layout import DEFAULT_NAV, STATIC, make_templates
from consentry.web.sessions import SESSION_COOKIE, ServerSessions
from consentry.web.tokens import ApiTokens

Extension = Callable[[FastAPI], None]

__all__ = ["SESSION_COOKIE", "WebOptions", "create_app"]


@dataclass(frozen=True)
class WebOptions:
    """How the web app behaves; the defaults suit http://127.0.0.1.

    `secure_cookies` adds the `Secure` flag to the session cookie: switch it on whenever
    the app is served over https (`consentry serve --secure-cookies`). `receipt_wait_s`:
    how long an erasure waits for a worker to finish its propagation, so that the member
    leaves with the receipt (0: answer at once; `consentry serve` waits when it runs a
    worker). How long a browser session lives is in `Settings` (idle and absolute
    timeouts); the `login_*` options are the log-in throttle's
    (`consentry.network.login_throttle`); the `signup_*` options limit sign-ups per
    client address (`consentry.network.signup.SignupLimit`).
    """

    secure_cookies: bool = False
    token_max_age_s: int = 30 * 24 * 3600
    login_max_failures: int = 5
    login_address_max_failures: int = 10
    login_account_max_failures: int = 20
    login_window_s: int = 300
    login_backoff_s: float = 1.0
    per_page: int = 20
    receipt_wait_s: float = 0.0
    signup_max_attempts: int = 20
    signup_max_accounts: int = 5
    signup_window_s: int = 3600


# The pages use no inline script or style and load nothing from elsewhere; this policy
# says so, so an injected <script> would not run even if escaping ever failed.
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_DOCS_PATHS = ("/api/docs",)


class SecurityHeaders:
    """Adds conservative security headers to every response (CSP except on the API docs)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(_DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                headers.append((b"x-frame-options", b"DENY"))
                if not docs:
                    headers.append((b"content-security-policy", _CSP.encode()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Routes are synchronous and run in AnyIO's thread pool: as many at once as
    # `server_threads`, the number the database pool was sized for (store.pool_options).
    threads = app.state.settings.server_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    yield


def create_app(
    settings: Settings,
    engine: Engine,
    *,
    options: WebOptions | None = None,
    extra_middleware: Sequence[Middleware] = (),
    extensions: Sequence[Extension] = (),
) -> FastAPI:
    """Build the web app and HTTP API over `engine`, configured by `settings`."""
    options = options or WebOptions()
    # A key per use (consentry.keys): rotating one signs out sessions or voids API tokens,
    # never both, and never touches record ids or receipts.
    keyring = Keyring.load(settings)
    app = FastAPI(
        title="Consentry",
        version=__version__,
        description="A professional network whose AI trains only on what members allowed.",
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan,
        dependencies=[Depends(require_csrf)],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(ServerSessions),  # reads app.state: engine, keyring, settings
            *extra_middleware,
        ],
    )
    state = app.state
    state.settings = settings
    # Consent choices made through the app are sealed with the ledger key (consent/ledger).
    engine = sealed(engine, keyring.key(KeyPurpose.LEDGER).secret)
    state.engine = engine
    state.sessions = sessions(engine)
    state.options = options
    state.keyring = keyring
    state.tokens = ApiTokens(keyring.key(KeyPurpose.API_TOKENS), max_age_s=options.token_max_age_s)
    state.login_throttle = LoginThrottle(
        SqlStorage(engine),
        max_failures=options.login_max_failures,
        address_max_failures=options.login_address_max_failures,
        account_max_failures=options.login_account_max_failures,
        window_s=options.login_window_s,
        backoff_s=options.login_backoff_s,
    )
    state.templates = make_templates()
    state.nav = list(DEFAULT_NAV)
    state.banners = []
    state.usage_sources = []
    state.member_hooks = []

    install_error_handlers(app)
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(api.public)
    app.include_router(api.router)
    app.include_router(operators.router)
    app.include_router(api_admin.router)
    app.include_router(verification.router)
    app.include_router(api_schemas.router)  # after any route serving one schema itself
    # The member's area: each part installs its routes, nav links, banners and hooks.
    for part in (
        signals,
        notices,
        settings_pages,
        your_data,
        portability,
        account,
        security,
        api_member,
        account_settings,
        profile_pages,
        post_pages,
        api_content,
        signup,
        notification_pages,
        connections_pages,
        messages_pages,
        api_network,
        jobs_pages,
        api_jobs,
        search_pages,
    ):
        part.install(app)
    ai_pages.install(app)
    api_ai.install(app)
    demo_tour.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for extend in extensions:
        extend(app)
    return app
