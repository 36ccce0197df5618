"""Settings: one page for the account, from which every other setting is reached.

/account shows who the member is and hosts two changes of its own:

- **email** (POST /account/email, PUT /api/v1/me/email): the current password first,
  checked behind the log-in throttle like a log-in; the new address follows the sign-up
  rules (`network.signup.change_email`: a real address, no other account's);
- **region** (POST /account/region, PUT /api/v1/me/region): no password, but a
  confirmation: the first POST shows what the move changes (`rights.region.region_preview`:
  each purpose whose decision flips), and only the confirmed one moves
  (`rights.region.move_region`: the region, a RegionChange row and a queued refresh of
  live datasets, in one commit). The API previews with `"dry_run": true`.

Password, sessions and API tokens (/account/security), Data for AI (/settings/ai), your
data and receipts (/your-data), export, import and erasure (/account/...) have pages of
their own; this one links to each, so all of them are one settings area.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from consentry.errors import ConsentryError, InvalidInput
from consentry.network.accounts import WrongPassword
from consentry.network.signup import MAX_EMAIL, change_email
from consentry.regions import region_name
from consentry.rights.region import RegionMove, last_move, move_region, region_preview
from consentry.store.engine import get_row
from consentry.store.tables import Member
from consentry.web.api import _ERRORS
from consentry.web.auth import MAX_PASSWORD, check_password
from consentry.web.deps import CurrentMember, DbSession, DetachedMember
from consentry.web.errors import status_of
from consentry.web.layout import NavItem, render

pages = APIRouter(include_in_schema=False)
_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
api = APIRouter(
    prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)], tags=["account"]
)

MAX_REGION = 16


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=1, max_length=MAX_EMAIL)
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class EmailOut(BaseModel):
    email: str = Field(description="The address your account has now (normalised).")


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(
        min_length=1, max_length=MAX_REGION, description="ISO 3166-1 alpha-2 or 3166-2."
    )
    dry_run: bool = Field(False, description="true: say what would change, change nothing.")


class FlipOut(BaseModel):
    purpose: str
    title: str
    allowed_before: bool
    allowed_after: bool
    reason_after: str = Field(description="Why, after the move, in one sentence.")


class RegionOut(BaseModel):
    old_region: str
    new_region: str
    moved: bool = Field(description="false for a dry run.")
    changes: list[FlipOut] = Field(description="Purposes whose decision flips with the move.")
    refresh_job_id: int | None = Field(
        description="The propagation that re-selects your records in live datasets (null "
        "when none holds them, or for a dry run)."
    )


def _region_out(move: RegionMove, *, moved: bool) -> RegionOut:
    return RegionOut(
        old_region=move.old_region,
        new_region=move.new_region,
        moved=moved,
        changes=[
            FlipOut(
                purpose=f.purpose,
                title=f.title,
                allowed_before=f.before.allowed,
                allowed_after=f.after.allowed,
                reason_after=f.after.reason,
            )
            for f in move.flips
        ],
        refresh_job_id=move.refresh_job_id,
    )


def change_own_email(request: Request, db: DbSession, who: Member, password: str, new: str) -> str:
    """Change the signed-in member's email once their password is proved (throttled like
    a log-in); raises WrongPassword or a sign-up rule's error, nothing changed. `who` is
    detached: `db` begins its transaction after the check."""
    if not check_password(request, who, password):
        raise WrongPassword("Your current password is not right.")
    return change_email(db, get_row(db, Member, who.id), new)


def _page(request: Request, db: DbSession, member: Member, **extra) -> Response:
    status = extra.pop("status_code", 200)
    moved = last_move(db, member) if extra.get("done") == "region" else None
    context = {
        "me": member,
        "region_name": region_name(member.region),
        "moved": moved,
        **extra,
    }
    return render(request, "account.html", context, status_code=status)


@pages.get("/account")
def account_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return _page(request, db, member, done=request.query_params.get("done", ""))


@pages.post("/account/email")
def email_form(
    request: Request,
    db: DbSession,
    member: DetachedMember,
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    current_password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
) -> Response:
    try:
        change_own_email(request, db, member, current_password, email)
    except ConsentryError as exc:  # a wrong password, a bad address, or another's (409)
        db.rollback()
        return _page(
            request, db, member, email_error=str(exc), new_email=email, status_code=status_of(exc)
        )
    return RedirectResponse("/account?done=email", status_code=303)


@pages.post("/account/region")
def region_form(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    region: Annotated[str, Form(max_length=MAX_REGION)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        if confirm != "yes":
            move = region_preview(db, member, region)
            return render(request, "account_region.html", {"move": move})
        move_region(db, member, region)
    except InvalidInput as exc:
        db.rollback()
        return _page(request, db, member, region_error=str(exc), new_region=region, status_code=400)
    return RedirectResponse("/account?done=region", status_code=303)


@api.put("/me/email", response_model=EmailOut)
def put_email(request: Request, db: DbSession, member: DetachedMember, body: EmailIn) -> EmailOut:
    """Change your email: the new address and your current password (400 when it is
    wrong, 409 when another account has the address)."""
    return EmailOut(email=change_own_email(request, db, member, body.current_password, body.email))


@api.put("/me/region", response_model=RegionOut)
def put_region(db: DbSession, member: CurrentMember, body: RegionIn) -> RegionOut:
    """Move to another region (ISO code, any case). Your decisions follow the new
    region's rules at once, and live datasets drop what it does not allow. With
    `dry_run`, only says which purposes would flip."""
    if body.dry_run:
        return _region_out(region_preview(db, member, body.region), moved=False)
    return _region_out(move_region(db, member, body.region), moved=True)


def install(app: FastAPI) -> None:
    """Add the settings page, its forms and API, and the header link."""
    app.include_router(pages)
    app.include_router(api)
    app.state.nav.append(NavItem("Settings", "/account"))
