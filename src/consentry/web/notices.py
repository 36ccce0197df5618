"""Policy notices: a banner on every page and a page saying what a new version changes.

While a newly published policy version is in its notice period and changes something for
the signed-in member (`consent.notices.pending_notices`), every page shows a banner
linking to /notices and naming the settings that change. That page says, for each setting
whose effect changes, what happens in words, what is true now and from the day it
applies, and offers the one action that fits (Keep it off, Keep it on, Turn it off, Turn
it on; it posts to Settings → Data for AI and comes back here). Opening the page records in the ledger that
the member was shown each notice (`consent.notices.show_notices`, once per version): a
ledger append, its own unit of work, so the page takes `LedgerMember` and no request
session.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from consentry.consent.decide import human_date
from consentry.consent.notices import Notice, notices_affecting, show_notices
from consentry.web.deps import LedgerMember
from consentry.web.layout import Banner, render

router = APIRouter(include_in_schema=False)


def _settings(notice: Notice) -> str:
    """The settings a notice changes, by name: `Content-creation AI and Recruiter AI`."""
    titles = [c.title for c in notice.changes]
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"


def notice_banners(request: Request) -> Iterable[Banner]:
    """Banner source: one banner per notice affecting the signed-in member."""
    viewer = getattr(request.state, "member", None)
    if viewer is None or request.url.path == "/notices":
        return []
    with request.app.state.sessions() as session:
        found = notices_affecting(session, viewer.id)
    return [
        Banner(
            f"Our AI data policy changes on {human_date(n.effective_at)}: "
            f"{_settings(n)} will work differently for you. "
            "You can act before it applies.",
            "warning" if not n.shown else "info",
            "/notices",
            "See what changes for you",
        )
        for n in found
    ]


@router.get("/notices")
def notices_page(request: Request, member: LedgerMember) -> Response:
    found = show_notices(request.app.state.engine, member.id)
    return render(request, "notices.html", {"notices": found, "human_date": human_date})


def install(app: FastAPI) -> None:
    """Add the notice banner to every page and the /notices page."""
    app.state.banners.append(notice_banners)
    app.include_router(router)
