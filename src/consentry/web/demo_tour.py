"""The demo tour: who to log in as on a seeded network, and what to try as each.

A network made by `consentry seed` has four fixed demo accounts (`network.demo`). When
they exist, the log-in page carries a banner pointing to /demo, which lists those still
live with their password and, for each, the pages that show what Consentry does for that
kind of person. A network without them (a real deployment) shows neither: /demo is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.network.demo import DEMO_ACCOUNTS, DemoAccount
from consentry.store.tables import Member
from consentry.web.deps import DbSession
from consentry.web.layout import Banner, render

router = APIRouter(include_in_schema=False)

#: What to try, per demo account (by email): (link text, path).
TRY: dict[str, tuple[tuple[str, str], ...]] = {
    "lena@demo.consentry.example": (
        ("Turn a use of your data off", "/settings/ai"),
        ("Watch it leave datasets and models, and get a receipt", "/your-data"),
        ("Use the Premium AI features", "/ai"),
        ("Download all your data", "/account/export"),
    ),
    "maya@demo.consentry.example": (
        ("See what California's rules and GPC mean for you", "/settings/ai"),
        ("See what Premium would offer", "/ai"),
        ("Your data and AI", "/your-data"),
    ),
    "ravi@demo.consentry.example": (
        ("Write a job posting with AI", "/ai/job-post"),
        ("Draft outreach (only to candidates who allowed it)", "/ai/outreach"),
    ),
    "ops@demo.consentry.example": (
        ("Datasets, audits and models", "/admin/datasets"),
        ("The propagation queue", "/admin/propagation"),
        ("Verify the consent ledger", "/admin/ledger"),
        ("Consent rates by region and purpose", "/admin/consent-rates"),
    ),
}


@dataclass(frozen=True)
class DemoEntry:
    account: DemoAccount
    tries: tuple[tuple[str, str], ...]


def live_demo_accounts(session: Session) -> list[DemoEntry]:
    """The demo accounts this network has and that are still live, in their fixed order."""
    emails = [a.email for a in DEMO_ACCOUNTS]
    live = set(
        session.scalars(
            select(Member.email).where(Member.email.in_(emails), Member.deleted_at.is_(None))
        )
    )
    return [DemoEntry(a, TRY.get(a.email, ())) for a in DEMO_ACCOUNTS if a.email in live]


def _login_banner(request: Request) -> Iterable[Banner]:
    if request.url.path != "/login" or getattr(request.state, "member", None) is not None:
        return ()
    with request.app.state.sessions() as session:
        if not live_demo_accounts(session):
            return ()
    return (
        Banner(
            "This is a demo network with ready-made accounts.",
            href="/demo",
            link_text="See who to log in as, and what to try",
        ),
    )


@router.get("/demo")
def demo(request: Request, db: DbSession) -> Response:
    entries = live_demo_accounts(db)
    if not entries:
        raise HTTPException(404, "This network has no demo accounts.")
    return render(request, "demo.html", {"entries": entries})


def install(app: FastAPI) -> None:
    """Add /demo and the log-in page's banner pointing to it."""
    app.include_router(router)
    app.state.banners.append(_login_banner)
