"""The demo tour: who to log in as on a seeded network, and what to try as each.

A network made by `consentry seed` has four fixed demo accounts and leaves a tour file
(`demo-tour.json`) in its data folder naming them. When they exist, the log-in page carries a banner pointing to /demo, which lists those still
live with their password and, for each, the pages that show what Consentry does for that
kind of person. A network without them (a real deployment) shows neither: /demo is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

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


#: The tour file a seeded network leaves in its data folder.
TOUR_FILE = "demo-tour.json"


@dataclass(frozen=True)
class TourAccount:
    """A demo account as the tour file describes it."""

    email: str
    handle: str
    display_name: str
    role: str
    region: str
    premium: bool
    purpose: str
    password: str


@dataclass(frozen=True)
class DemoEntry:
    account: TourAccount
    tries: tuple[tuple[str, str], ...]


def tour_accounts(data_dir: Path) -> list[TourAccount]:
    """The accounts the data folder's tour file names; none when there is no (readable) file."""
    try:
        tour = json.loads((data_dir / TOUR_FILE).read_text())
        return [TourAccount(**a, password=tour["password"]) for a in tour["accounts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def live_demo_accounts(session: Session, data_dir: Path) -> list[DemoEntry]:
    """The tour's demo accounts that this network has and that are still live, in order."""
    accounts = tour_accounts(data_dir)
    emails = [a.email for a in accounts]
    live = set(
        session.scalars(
            select(Member.email).where(Member.email.in_(emails), Member.deleted_at.is_(None))
        )
    )
    return [DemoEntry(a, TRY.get(a.email, ())) for a in accounts if a.email in live]


def _login_banner(request: Request) -> Iterable[Banner]:
    if request.url.path != "/login" or getattr(request.state, "member", None) is not None:
        return ()
    with request.app.state.sessions() as session:
        if not live_demo_accounts(session, request.app.state.settings.data_dir):
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
    entries = live_demo_accounts(db, request.app.state.settings.data_dir)
    if not entries:
        raise HTTPException(404, "This network has no demo accounts.")
    return render(request, "demo.html", {"entries": entries})


def install(app: FastAPI) -> None:
    """Add /demo and the log-in page's banner pointing to it."""
    app.include_router(router)
    app.state.banners.append(_login_banner)
