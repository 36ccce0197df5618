"""What every page shares: the Jinja2 environment, the navigation and the banner slot.

Extension points (later features add to them in their own `install(app)`):
- `app.state.nav`: a list of `NavItem`; the header shows them in order.
- `app.state.banners`: a list of callables `(request) -> Iterable[Banner]`; every page
  shows what they return above its content (policy notices, pending changes).
Templates see `member` (the signed-in member or None), `nav`, `banners` and
`csrf_input()`, which writes the hidden CSRF field every form must carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from consentry.web.csrf import csrf_token

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class NavItem:
    """A link in the header. `signed_in` items show only to a signed-in member.

    `badge`, if set, is asked for a short text each time a page is drawn for a signed-in
    member (e.g. "3 unread"); the link then reads "label (text)". None or "" shows none.
    """

    label: str
    href: str
    signed_in: bool = True
    badge: Callable[[Request], str | None] | None = None


@dataclass(frozen=True)
class Banner:
    """A notice shown above a page's content. `kind` is `info` or `warning`."""

    text: str
    kind: str = "info"
    href: str | None = None
    link_text: str | None = None


BannerSource = Callable[[Request], Iterable[Banner]]

DEFAULT_NAV = (
    NavItem("Feed", "/feed"),
    NavItem("Jobs", "/jobs"),
    NavItem("My profile", "/profile"),
)


def _when(value: datetime | date | None) -> Markup:
    """A stored naive-UTC time as a <time> element a person and a machine can read."""
    if value is None:
        return Markup("")
    if isinstance(value, datetime):
        shown = value.strftime("%-d %b %Y, %H:%M UTC")
        machine = value.strftime("%Y-%m-%dT%H:%MZ")
    else:
        shown = value.strftime("%b %Y")
        machine = value.isoformat()
    return Markup('<time datetime="{}">{}</time>').format(machine, shown)


def _member_of(request: Request):
    return getattr(request.state, "member", None)


def _with_badge(item: NavItem, request: Request) -> NavItem:
    text = item.badge(request) if item.badge is not None and _member_of(request) else None
    return replace(item, label=f"{item.label} ({text})", badge=None) if text else item


def _page_context(request: Request) -> dict[str, Any]:
    member = _member_of(request)
    state = request.app.state
    nav = [
        _with_badge(item, request) for item in state.nav if member is not None or not item.signed_in
    ]
    banners: list[Banner] = []
    for source in state.banners:
        banners.extend(source(request))

    def csrf_input() -> Markup:
        return Markup('<input type="hidden" name="csrf_token" value="{}">').format(
            csrf_token(request)
        )

    return {
        "member": member,
        "nav": nav,
        "banners": banners,
        "csrf_input": csrf_input,
        "current_path": request.url.path,
    }


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment: autoescaped HTML, our filters, the shared page context."""
    templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_page_context])
    templates.env.filters["when"] = _when
    templates.env.filters["paragraphs"] = _paragraphs
    return templates


def _paragraphs(text: str) -> Markup:
    """Plain text as escaped paragraphs; blank lines separate them, newlines become <br>."""
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render template `name` with the shared page context."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, name, dict(context or {}), status_code=status_code, headers=headers
    )
