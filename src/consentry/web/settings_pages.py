"""Settings → Data for AI: one control per purpose, and a "No AI training" control per post.

The rows come from `consent.member_choices.purpose_settings` (the policy's own text, the
basis and the decision's reason for this member). Turning a purpose on or off is one
button either way (a POST with the CSRF token) and goes through `rights.choices.set_choice`,
the same function the JSON API calls. A withdrawal queues its propagation in the same
commit; the propagation worker (`consentry worker`, started beside `consentry serve`)
carries it out, never this process, so a burst of changes never ties up the server.

Transactions: `set_choice` appends to the ledger, so it is its own unit of work; the
routes that call it take `LedgerMember` (the signed-in member, resolved in a read that is
over before the route runs) and read again, if at all, only after the write.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from consentry.consent.member_choices import purpose_settings
from consentry.network import queries
from consentry.network.publishing import set_no_ai_training
from consentry.rights.choices import ChoiceResult, set_choice
from consentry.store.tables import Member
from consentry.web.auth import safe_next
from consentry.web.deps import CurrentMember, DbSession, LedgerMember
from consentry.web.layout import NavItem, render

router = APIRouter(include_in_schema=False)


def apply_choice(
    request: Request, member: Member, purpose: str, allowed: bool, *, source: str
) -> ChoiceResult:
    """`set_choice` for the signed-in member (its own unit of work: the caller holds no
    open transaction); a withdrawal's propagation is queued for the worker."""
    state = request.app.state
    return set_choice(
        state.engine,
        state.settings,
        member.id,
        purpose,
        allowed,
        source=source,
        actor=f"member:{member.id}",
    )


ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PurposeKey = Annotated[str, Path(max_length=32, pattern=r"^[a-z0-9-]+$")]


@router.get("/settings/ai")
def settings_page(
    request: Request, db: DbSession, member: CurrentMember, changed: str | None = None
) -> Response:
    rows = purpose_settings(db, member)
    posts = queries.posts_by(db, author_id=member.id, viewer_id=member.id, per_page=20)
    done = next((r for r in rows if r.key == changed), None)
    return render(request, "settings_ai.html", {"rows": rows, "posts": posts, "changed": done})


@router.post("/settings/ai/{purpose}")
def change_purpose(
    request: Request,
    member: LedgerMember,
    purpose: PurposeKey,
    choice: Annotated[str, Form(pattern="^(on|off)$")],
    next: Annotated[str, Form(max_length=2000)] = "/settings/ai",
) -> Response:
    apply_choice(request, member, purpose, choice == "on", source="settings")
    target = safe_next(next)
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}changed={purpose}", status_code=303)


@router.post("/settings/ai/posts/{post_id}")
def change_post_usage(
    db: DbSession,
    member: CurrentMember,
    post_id: ItemId,
    no_ai_training: Annotated[str, Form(pattern="^(0|1)$")],
) -> Response:
    set_no_ai_training(db, member.id, post_id, no_ai_training == "1")
    return RedirectResponse(f"/settings/ai#post-{post_id}", status_code=303)


def install(app: FastAPI) -> None:
    """Add the settings pages and their header link."""
    app.include_router(router)
    app.state.nav.append(NavItem("Data for AI", "/settings/ai"))
