"""Signing up: the form, the JSON API, and the choices screen right after.

- /signup (linked from the log-in page): email, password, first and last name, birth
  date and region. The rules are `network.signup.open_account`; a field that cannot be
  used is shown beside it with a 4xx status, and nothing is stored. On success the new
  member is signed in and sent to /signup/choices.
- /signup/choices: every AI purpose, as the policy in force sets it where the member
  lives (`rights.first_choices`), with that policy's version, any announced change
  (the notice, recorded as shown, as on /notices) and, for a member under the age of
  digital consent, why nothing can be turned on. The member's choices go through
  `rights.choices.set_choice` with source `settings`, like Settings → Data for AI.
- POST /api/v1/signup: the same rules for a script; 201 with the new member and where
  they stand for each purpose. It signs nobody in (get a token from POST /api/v1/tokens).

Every attempt first takes a slot from `network.signup.SignupLimit` for the client's
address (429 with `Retry-After` when spent), so a bot cannot open accounts in bulk.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from consentry.consent.decide import human_date
from consentry.consent.notices import show_notices
from consentry.consent.versions import resolve_policy
from consentry.errors import ConsentryError
from consentry.network.accounts import MIN_PASSWORD
from consentry.network.login_throttle import Throttled
from consentry.network.signup import (
    MAX_EMAIL,
    MAX_NAME,
    MINIMUM_AGE,
    Application,
    SignupLimit,
    open_account,
)
from consentry.rights.first_choices import first_choices, record_first_choices
from consentry.store.engine import immediate, session_scope
from consentry.store.tables import Member
from consentry.web.api import _ERRORS
from consentry.web.api_member import PurposeSettingOut, _setting
from consentry.web.auth import MAX_PASSWORD, client_address, sign_in
from consentry.web.csrf import csrf_exempt
from consentry.web.deps import LedgerMember, OptionalMember
from consentry.web.errors import TooManyAttempts, status_of
from consentry.web.layout import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["auth"], responses=_ERRORS)

_FIELDS = ("email", "first_name", "last_name", "birth_date", "region")


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=1, max_length=MAX_EMAIL)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    first_name: str = Field(min_length=1, max_length=MAX_NAME * 2)
    last_name: str = Field(min_length=1, max_length=MAX_NAME * 2)
    birth_date: str = Field(
        min_length=1, max_length=32, description="YYYY-MM-DD.", examples=["1990-04-21"]
    )
    region: str = Field(
        min_length=1, max_length=16, description="ISO 3166-1 alpha-2 or ISO 3166-2, e.g. DE."
    )


class SignupOut(BaseModel):
    id: int
    handle: str
    display_name: str
    email: str
    region: str
    birth_date: date
    policy_version: int = Field(description="The policy version in force at sign-up.")
    age_of_consent: int = Field(description="The age of digital consent where you live.")
    under_age_of_consent: bool = Field(
        description="true: no purpose uses your data, and none can be turned on, until then."
    )
    ai_settings: list[PurposeSettingOut] = Field(
        description="Every purpose as it stands for you now (PUT /api/v1/me/ai-settings to "
        "change one, with a token from POST /api/v1/tokens)."
    )


def _limit(request: Request) -> SignupLimit:
    return request.app.state.signup_limit


def sign_up(request: Request, application: Application) -> Member:
    """Open an account from `application` for this client (throttled per address; raises
    TooManyAttempts or a ConsentryError, nothing stored); the new member, detached."""
    limit, address = _limit(request), client_address(request)
    try:
        limit.begin(address)  # its own unit of work, before the sign-up's transaction
    except Throttled as exc:
        raise TooManyAttempts(exc.retry_after_s) from None
    try:
        # Begun as a writer: a sign-up reads (email, handle) and then writes.
        with session_scope(immediate(request.app.state.engine)) as session:
            # No account before a policy is in force: its rules apply from the first day.
            resolve_policy(session)
            return open_account(session, application)
    except BaseException:
        limit.failed(address)
        raise


def _form(request: Request, values: dict[str, str], **extra) -> Response:
    status = extra.pop("status_code", 200)
    headers = extra.pop("headers", None)
    context = {
        "values": values,
        "min_password": MIN_PASSWORD,
        "minimum_age": MINIMUM_AGE,
        "today": date.today().isoformat(),
        **extra,
    }
    return render(request, "signup.html", context, status_code=status, headers=headers)


@pages.get("/signup")
def signup_page(request: Request, member: OptionalMember) -> Response:
    if member is not None:
        return RedirectResponse("/feed", status_code=303)
    return _form(request, dict.fromkeys(_FIELDS, ""))


@pages.post("/signup")
def signup_form(
    request: Request,
    email: Annotated[str, Form(max_length=MAX_EMAIL)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    first_name: Annotated[str, Form(max_length=MAX_NAME * 2)] = "",
    last_name: Annotated[str, Form(max_length=MAX_NAME * 2)] = "",
    birth_date: Annotated[str, Form(max_length=32)] = "",
    region: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    values = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
        "region": region,
    }
    application = Application(email, password, first_name, last_name, birth_date, region)
    try:
        member = sign_up(request, application)
    except TooManyAttempts as exc:
        return _form(
            request,
            values,
            error=f"Too many sign-ups from your address. Try again in {exc.retry_after_s} seconds.",
            status_code=429,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    except ConsentryError as exc:
        field = getattr(exc, "field", None)
        return _form(request, values, error=str(exc), field=field, status_code=status_of(exc))
    sign_in(request, member)
    return RedirectResponse("/signup/choices", status_code=303)


@api.post("/signup", status_code=201, response_model=SignupOut)
@csrf_exempt
def signup_api(request: Request, body: SignupIn) -> SignupOut:
    """Open an account (the same rules as the sign-up page): 400 for a field that cannot
    be used, 403 under the minimum age (16), 409 for an email that has an account, 429
    when this address has signed up too often. Nothing is stored unless it succeeds."""
    member = sign_up(
        request,
        Application(
            body.email,
            body.password,
            body.first_name,
            body.last_name,
            body.birth_date,
            body.region,
        ),
    )
    with request.app.state.sessions() as session:
        view = first_choices(session, member)
    return SignupOut(
        id=member.id,
        handle=member.handle,
        display_name=member.display_name,
        email=member.email,
        region=member.region,
        birth_date=member.birth_date,
        policy_version=view.policy_version,
        age_of_consent=view.age_of_consent,
        under_age_of_consent=view.under_age_of_consent,
        ai_settings=[_setting(p) for p in view.purposes],
    )


@pages.get("/signup/choices")
def choices_page(request: Request, member: LedgerMember) -> Response:
    # Announced changes are shown here as on /notices, and recorded as shown (a ledger
    # append, its own unit of work), so a choice made now names the notice seen.
    notices = show_notices(request.app.state.engine, member.id)
    with request.app.state.sessions() as session:
        view = first_choices(session, member)
    return render(
        request,
        "signup_choices.html",
        {"view": view, "notices": notices, "human_date": human_date},
    )


@pages.post("/signup/choices")
def choices_form(
    request: Request,
    member: LedgerMember,
    allow: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006 - FastAPI copies it
    shown: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006
) -> Response:
    state = request.app.state
    record_first_choices(
        state.engine,
        state.settings,
        member.id,
        wanted=set(allow),
        shown=set(shown),
        source="settings",
    )
    return RedirectResponse("/feed", status_code=303)


def install(app: FastAPI) -> None:
    """Add the sign-up pages and API, and the per-address sign-up limit."""
    options = app.state.options
    app.state.signup_limit = SignupLimit(
        app.state.login_throttle.storage,
        max_attempts=options.signup_max_attempts,
        max_accounts=options.signup_max_accounts,
        window_s=options.signup_window_s,
    )
    app.include_router(pages)
    app.include_router(api)
