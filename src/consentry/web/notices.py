"""Policy notices: a banner on every page and a page saying what a new version changes.

While a newly published policy version is in its notice period and changes something for
the signed-in member (`consent.notices.pending_notices`), every page shows a banner
linking to /notices. That page says, per purpose, what is true now and what will be true
from the day the new version applies, with a button to act before it does (it posts to
Settings → Data for AI and comes back here). Opening the page records in the ledger that
the member was shown each notice (`record_notice_shown`), once per version.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from consentry.consent.decide import human_date
from consentry.consent.ledger import with_retry
from consentry.consent.notices import Notice, pending_notices, record_notice_shown
from consentry.consent.versions import announced
from consentry.errors import ConsentryError
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import Banner, render

router = APIRouter(include_in_schema=False)


def affecting(session: Session, member_id: int) -> list[Notice]:
    """Announced versions that change something for this member (cheap when none is)."""
    try:
        if not announced(session):
            return []
        return [n for n in pending_notices(session, member_id) if n.affects_member]
    except ConsentryError:  # no policy published yet
        return []


def notice_banners(request: Request) -> Iterable[Banner]:
    """Banner source: one banner per notice affecting the signed-in member."""
    viewer = getattr(request.state, "member", None)
    if viewer is None or request.url.path == "/notices":
        return []
    with request.app.state.sessions() as session:
        found = affecting(session, viewer.id)
    return [
        Banner(
            f"Our AI data policy changes on {human_date(n.effective_at)}: "
            f"{len(n.changes)} of your AI settings will work differently. "
            "You can act before it applies.",
            "warning" if not n.shown else "info",
            "/notices",
            "See what changes for you",
        )
        for n in found
    ]


def mark_shown(request: Request, db: Session, member_id: int, notices: list[Notice]) -> None:
    """Record, once per version, that the member was shown these notices."""
    unseen = [n.version for n in notices if not n.shown]
    if not unseen:
        return
    db.commit()  # end this request's read snapshot; the ledger write is its own unit

    def work(session: Session) -> None:
        for version in unseen:
            record_notice_shown(session, member_id, version, actor=f"member:{member_id}")

    with_retry(request.app.state.engine, work)


@router.get("/notices")
def notices_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    found = affecting(db, member.id)
    mark_shown(request, db, member.id, found)
    return render(request, "notices.html", {"notices": found, "human_date": human_date})


def install(app: FastAPI) -> None:
    """Add the notice banner to every page and the /notices page."""
    app.state.banners.append(notice_banners)
    app.include_router(router)
