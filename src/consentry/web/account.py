"""Erase my account: a confirmation, then erasure with propagation and a receipt.

The member confirms by typing their handle or their password. The erasure goes through
`rights.erase` (ledger entry, the network data erased, propagation queued: one commit),
then the propagation runs at once so the member leaves with the signed receipt naming
every dataset and model it reached. The session ends; the account can no longer sign in
(its password hash is replaced), and every API token issued to it stops working.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError
from consentry.network.accounts import verify_password
from consentry.rights.erasure import erase
from consentry.rights.receipts import receipt_for_job
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope
from consentry.store.tables import Member
from consentry.web.auth import client_address, sign_out
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import render

log = logging.getLogger("consentry.web")

router = APIRouter(include_in_schema=False)


class NotConfirmed(ConsentryError):
    """The confirmation typed does not match the account's handle or password."""


@dataclass(frozen=True)
class Erasure:
    """What erasing an account did: the ledger entry, the job, and its receipt if done."""

    member_id: int
    ledger_seq: int
    job_id: int
    status: str
    receipt: dict[str, Any] | None


def confirmed(member: Member, typed: str) -> bool:
    """True when `typed` is the member's handle (with or without @) or their password."""
    handle = typed.strip().removeprefix("@").lower()
    if handle and hmac.compare_digest(handle.encode(), member.handle.lower().encode()):
        return True
    return bool(typed) and verify_password(member.password_hash, typed)


def erase_account(
    request: Request, db: Session, member: Member, typed: str, *, source: str
) -> Erasure:
    """Check the confirmation, erase, propagate now; raises NotConfirmed (nothing written)."""
    throttle = request.app.state.login_throttle
    key = throttle.key(f"erase:{member.id}", client_address(request))
    throttle.check(key)
    if not confirmed(member, typed):
        throttle.failed(key)
        raise NotConfirmed(
            f"To erase your account, type your handle ({member.handle}) or your password."
        )
    state = request.app.state
    db.commit()  # end this request's read snapshot; the erasure is its own unit of work
    done = erase(
        state.engine, state.settings, member.id, source=source, actor=f"member:{member.id}"
    )
    chats = getattr(state, "chats", None)
    if chats is not None:  # conversations with the chatbot are the member's data too
        chats.drop_member(member.id)
    status = "queued"
    try:
        outcome = propagate_now(state.engine, state.settings, done.job_id)
        status = outcome.status if outcome is not None else "running"
    except Exception:  # stays queued: a worker finishes it and the receipt is still issued
        log.exception(
            "propagation of erasure job %s did not finish in the web process", done.job_id
        )
    with session_scope(state.engine) as session:
        receipt = receipt_for_job(session, done.job_id)
    return Erasure(member.id, done.entry.seq, done.job_id, status, receipt)


@router.get("/account/erase")
def erase_page(request: Request, member: CurrentMember) -> Response:
    return render(request, "erase.html", {"handle": member.handle})


@router.post("/account/erase")
def erase_now(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    confirm: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        done = erase_account(request, db, member, confirm, source="settings")
    except NotConfirmed as exc:
        return render(
            request, "erase.html", {"handle": member.handle, "error": str(exc)}, status_code=400
        )
    sign_out(request)
    receipt = json.dumps(done.receipt, indent=2, sort_keys=True) if done.receipt else None
    return render(request, "erased.html", {"erasure": done, "receipt": receipt})


def install(app: FastAPI) -> None:
    """Add the erase-my-account pages."""
    app.include_router(router)
