"""Settings → Data for AI: one control per purpose, and a "No AI training" control per post.

Each purpose shows the policy's own plain-language text, the basis that applies to this
member (consent: off until you say yes; legitimate interest: on until you object;
excluded: never) and the decision's reason, straight from `consent.decide`, so the page
can never show a default the engine does not apply.

Turning a purpose on or off is one button either way (a POST with the CSRF token):
- on  -> `record_choice(..., "grant")` appended to the ledger;
- off -> `rights.withdraw` (action `object` under legitimate interest, `withdraw` under
  consent), which appends to the ledger and queues the propagation in one commit; the
  propagation then runs right after the response (`propagate_now`), so the member sees
  it finish within seconds, and a worker picks it up if this process stops first.

Ledger writes use their own transaction (`with_retry`); the request's session is ended
first and after, so the page it renders next reads what was just written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, FastAPI, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import decide
from consentry.consent.ledger import with_retry
from consentry.consent.record import record_choice
from consentry.consent.versions import resolve_policy
from consentry.errors import ConsentryError
from consentry.network import queries
from consentry.network.publishing import state_usage
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import Member, Post
from consentry.web.auth import safe_next
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import NavItem, render

log = logging.getLogger("consentry.web")

router = APIRouter(include_in_schema=False)

NO_AI_CATEGORY = "train-ai"
BASIS_WORDS = {
    "consent": "Off until you say yes (consent)",
    "legitimate-interest": "On until you object (legitimate interest)",
    "excluded": "Never used where you live",
}
# Reasons no button can change: the page says why instead of offering a dead control.
_FIXED = frozenset({"excluded", "under-age", "erased"})
# A choice is recorded unless the member's own latest choice already says the same: a
# default ("not-allowed", "default-on") is not a choice, so stating it explicitly counts
# (that is how a member keeps a purpose off before a new policy turns it on by default).
_ALREADY_ON = frozenset({"granted"})
_ALREADY_OFF = frozenset({"withdrawn", "objected"})


class ChoiceRefused(ConsentryError):
    """A change the policy does not let a member make (e.g. an excluded purpose)."""


@dataclass(frozen=True)
class PurposeSetting:
    """One row of the page: what the purpose is, and where this member stands."""

    key: str
    title: str
    text: str
    data_classes: tuple[str, ...]
    basis: str
    basis_words: str
    allowed: bool
    reason: str
    code: str
    changeable: bool
    off_action: str
    pending: bool


@dataclass(frozen=True)
class ChoiceResult:
    """What a change did: nothing (already so), a ledger entry, and maybe a propagation."""

    purpose: str
    changed: bool
    ledger_seq: int | None = None
    job_id: int | None = None


def purpose_settings(session: Session, member: Member) -> list[PurposeSetting]:
    """Every purpose of the policy in force, decided for `member` now."""
    active = resolve_policy(session)
    busy = set(
        session.scalars(
            select(PropagationJob.purpose).where(
                PropagationJob.member_id == member.id,
                PropagationJob.status.in_(("queued", "running")),
            )
        )
    )
    out = []
    for key, purpose in active.policy.purposes.items():
        d = decide(session, member, key, policy=active)
        out.append(
            PurposeSetting(
                key=key,
                title=purpose.title,
                text=purpose.text,
                data_classes=purpose.data_classes,
                basis=d.basis,
                basis_words=BASIS_WORDS.get(d.basis, d.basis),
                allowed=d.allowed,
                reason=d.reason,
                code=d.code,
                changeable=d.code not in _FIXED,
                off_action="object" if d.basis == "legitimate-interest" else "withdraw",
                pending=key in busy,
            )
        )
    return out


def set_choice(
    engine,
    settings: Settings,
    member_id: int,
    purpose: str,
    allowed: bool,
    *,
    source: str,
    actor: str,
) -> ChoiceResult:
    """Turn `purpose` on or off for `member_id`; a no-op when the member's own latest
    choice already says so.

    Off goes through `rights.withdraw` (ledger entry and queued propagation, one commit);
    on is a `grant`. Raises ChoiceRefused for a purpose the policy fixes (excluded,
    under age) and ConsentryError for an unknown purpose, writing nothing.
    """
    with session_scope(engine) as session:
        d = decide(session, member_id, purpose)
    if d.code in _FIXED:
        raise ChoiceRefused(f"{d.reason}, so there is nothing to change")
    if d.code in (_ALREADY_ON if allowed else _ALREADY_OFF):
        return ChoiceResult(purpose, changed=False)
    if allowed:
        entry = with_retry(
            engine,
            lambda s: record_choice(s, member_id, purpose, "grant", source=source, actor=actor),
        )
        return ChoiceResult(purpose, True, entry.seq)
    action = "object" if d.basis == "legitimate-interest" else "withdraw"
    request = withdraw(
        engine, settings, member_id, purpose, source=source, actor=actor, action=action
    )
    return ChoiceResult(purpose, True, request.entry.seq, request.job_id)


def run_propagation(engine, settings: Settings, job_id: int) -> None:
    """Carry out a propagation now; on failure leave it queued for the worker (logged)."""
    try:
        propagate_now(engine, settings, job_id)
    except Exception:  # the job stays in the queue; a worker retries it
        log.exception("propagation job %s did not finish in the web process", job_id)


def apply_choice(
    request: Request,
    db: Session,
    background: BackgroundTasks,
    member: Member,
    purpose: str,
    allowed: bool,
    *,
    source: str,
) -> ChoiceResult:
    """`set_choice` from a request: ends the request's read snapshot around the write and
    schedules the propagation to run right after the response."""
    state = request.app.state
    db.commit()  # end this request's read transaction: the write happens elsewhere
    result = set_choice(
        state.engine,
        state.settings,
        member.id,
        purpose,
        allowed,
        source=source,
        actor=f"member:{member.id}",
    )
    if result.job_id is not None:
        background.add_task(run_propagation, state.engine, state.settings, result.job_id)
    return result


def own_post(db: Session, member: Member, post_id: int) -> Post:
    """The member's own live post; 404 for anyone else's (the same answer as for a post
    that does not exist, so nothing about other members' posts leaks)."""
    row = db.get(Post, post_id)
    if row is None or row.member_id != member.id or row.deleted_at is not None:
        raise HTTPException(404, "You have no post with that id.")
    return row


def set_post_usage(db: Session, member: Member, post_id: int, no_ai_training: bool) -> dict:
    """State the post's usage preference again (rows are never updated; latest wins)."""
    row = own_post(db, member, post_id)
    state_usage(db, data_class=row.kind, item_id=row.id, usage={NO_AI_CATEGORY: not no_ai_training})
    db.flush()
    return queries.usage_preferences(db, data_class=row.kind, item_id=row.id)


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
    db: DbSession,
    member: CurrentMember,
    background: BackgroundTasks,
    purpose: PurposeKey,
    choice: Annotated[str, Form(pattern="^(on|off)$")],
    next: Annotated[str, Form(max_length=2000)] = "/settings/ai",
) -> Response:
    try:
        apply_choice(request, db, background, member, purpose, choice == "on", source="settings")
    except ConsentryError as exc:
        raise HTTPException(400, str(exc)) from None
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
    set_post_usage(db, member, post_id, no_ai_training == "1")
    return RedirectResponse(f"/settings/ai#post-{post_id}", status_code=303)


def install(app: FastAPI) -> None:
    """Add the settings pages and their header link."""
    app.include_router(router)
    app.state.nav.append(NavItem("Data for AI", "/settings/ai"))
