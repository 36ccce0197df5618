"""Signals a browser or client sends: Global Privacy Control and IETF aipref `Content-Usage`.

- GPC: on every request with a signed-in member (a page or an API call, cookie or token),
  a `Sec-GPC` header that `consent.signals.gpc_signal` accepts (exactly `1`) records an
  objection for each purpose the policy maps GPC to in the member's region, through
  `consent.signals.honour_gpc`, which is idempotent and its own unit of work (a ledger
  append). It runs as a member hook, after the member was read and before the request's
  own transaction begins, so the route reads what it wrote and nothing commits part-way.
- `Content-Usage`: the usage preferences a request states for the content it creates
  (POST /api/v1/posts), parsed strictly: a malformed header is a 400, never a silently
  dropped "no".
- `/.well-known/gpc.json`: the site's statement that it honours GPC.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from consentry.consent.signals import gpc_json, gpc_signal, honour_gpc, parse_content_usage
from consentry.consent.versions import resolve_policy
from consentry.errors import ConsentryError
from consentry.store.engine import utcnow
from consentry.store.tables import Member

log = logging.getLogger("consentry.web")

router = APIRouter(include_in_schema=False)


def gpc_hook(request: Request, member: Member) -> None:
    """Member hook: record a GPC objection when the request carries the signal."""
    if not gpc_signal(request.headers.items()):  # every field, repeats included
        return
    entries = honour_gpc(request.app.state.engine, member, actor=f"member:{member.id}")
    if entries:
        request.state.gpc_recorded = [e.purpose for e in entries]


def content_usage(request: Request) -> dict[str, bool | None]:
    """Usage source: the `Content-Usage` header's preferences (strict; 400 if malformed)."""
    fields = request.headers.getlist("content-usage")
    if not fields:
        return {}
    return parse_content_usage(fields, strict=True)


@router.get("/.well-known/gpc.json")
def gpc_statement(request: Request) -> JSONResponse:
    """The GPC support resource (https://privacycg.github.io/gpc-spec/#gpc-support-resource).

    `lastUpdate` is the day the policy in force (which maps GPC to purposes) took effect.
    """
    with request.app.state.sessions() as session:
        try:
            since = resolve_policy(session).effective_at.date()
        except ConsentryError:
            since = utcnow().date()
    return JSONResponse(gpc_json(since), media_type="application/json")


def install(app: FastAPI) -> None:
    """Honour GPC on every authenticated request, read Content-Usage on content creation,
    and serve /.well-known/gpc.json."""
    app.state.member_hooks.append(gpc_hook)
    app.state.usage_sources.append(content_usage)
    app.include_router(router)
