"""Erasing one's own account: the confirmation, the erasure, its propagation, the receipt.

The member confirms by typing their handle or their password (`confirmed`). The erasure
goes through `rights.erase` (ledger entry, the network data erased, propagation queued:
one commit), then the propagation runs at once so the member leaves with the signed
receipt naming every dataset and model it reached. The web page and the JSON API both
call `erase_account`; what only a face knows (rate limiting the confirmation, forgetting
its chat conversations, ending the browser session) stays with the face.

Transactions: `erase_account` is its own unit of work (a ledger append, then the
propagation's own units, then a read of the receipt). It takes the `Engine`; the caller
holds no open transaction around it (see "Transactions" in docs/architecture.md).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.network.accounts import verify_password
from consentry.rights.erasure import erase
from consentry.rights.receipts import receipt_for_job
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope
from consentry.store.tables import Member

log = logging.getLogger("consentry.rights")


class NotConfirmed(InvalidInput):
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


def check_confirmation(member: Member, typed: str) -> None:
    """Raises NotConfirmed (saying what to type) unless `typed` confirms the erasure."""
    if not confirmed(member, typed):
        raise NotConfirmed(
            f"To erase your account, type your handle ({member.handle}) or your password."
        )


def erase_account(
    engine: Engine, settings: Settings, member: Member, typed: str, *, source: str
) -> Erasure:
    """Check the confirmation, erase, propagate now. Raises NotConfirmed, writing
    nothing, when `typed` does not confirm it.

    A propagation that does not finish here stays queued: a worker finishes it and the
    receipt is still issued (the status says `queued` or `running`).
    """
    check_confirmation(member, typed)
    done = erase(engine, settings, member.id, source=source, actor=f"member:{member.id}")
    status = "queued"
    try:
        outcome = propagate_now(engine, settings, done.job_id)
        status = outcome.status if outcome is not None else "running"
    except Exception:  # stays queued: a worker finishes it and the receipt is still issued
        log.exception("propagation of erasure job %s did not finish at once", done.job_id)
    with session_scope(engine) as session:
        receipt = receipt_for_job(session, done.job_id)
    return Erasure(member.id, done.entry.seq, done.job_id, status, receipt)
