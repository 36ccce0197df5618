"""Erase my account: a confirmation, then erasure with propagation and a receipt.

The work is `rights.account.erase_account` (confirmation, erasure, propagation, receipt),
shared with the JSON API; it is confirmed with the member's password, never by being
signed in alone. This face adds what only it knows: the password check is throttled like
a log-in, the member's chat conversations are forgotten, and the
browser session ends. The account can no longer sign in (its password hash is replaced),
its sessions end and every API token issued to it is revoked.

The erasure appends to the ledger, its own unit of work, so the routes take
`LedgerMember` and no request session.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response

from consentry.rights.account import Erasure, NotConfirmed, erase_account
from consentry.store.tables import Member
from consentry.web.auth import begin_password_check, end_password_check, sign_out
from consentry.web.deps import CurrentMember, LedgerMember
from consentry.web.layout import render

router = APIRouter(include_in_schema=False)


def erase_signed_in(request: Request, member: Member, typed: str, *, source: str) -> Erasure:
    """`erase_account` for the signed-in member, confirmed by their password behind the
    log-in throttle (a wrong one counts as a failed log-in); raises NotConfirmed,
    nothing written."""
    state = request.app.state
    attempt = begin_password_check(request, member.email)
    try:
        done = erase_account(
            state.engine,
            state.settings,
            member,
            typed,
            source=source,
            wait_s=state.options.receipt_wait_s,
        )
    except NotConfirmed:
        end_password_check(request, attempt, ok=False)
        raise
    end_password_check(request, attempt, ok=True)
    chats = getattr(state, "chats", None)
    if chats is not None:  # conversations with the chatbot are the member's data too
        chats.drop_member(member.id)
    return done


@router.get("/account/erase")
def erase_page(request: Request, member: CurrentMember) -> Response:
    return render(request, "erase.html", {"handle": member.handle})


@router.post("/account/erase")
def erase_now(
    request: Request,
    member: LedgerMember,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        done = erase_signed_in(request, member, password, source="settings")
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
