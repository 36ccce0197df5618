"""Erasing one's own account: the confirmation, the erasure, its propagation, the receipt.

The member confirms with their password (`confirmed`): being signed in is not enough, so
a stolen session cookie or API token alone cannot erase an account. The erasure
goes through `rights.erase` (ledger entry, the network data erased, propagation queued:
one commit); the propagation worker carries it out. The caller may wait for it (`wait_s`)
so that the member leaves with the signed receipt naming every dataset and model it
reached; the wait only polls the job, the work never runs in the caller's thread. The web page and the JSON API both
call `erase_account`; what only a face knows (rate limiting the confirmation, forgetting
its chat conversations, ending the browser session) stays with the face.

Transactions: `erase_account` is its own unit of work (a ledger append, then reads of
the job and its receipt). It takes the `Engine`; the caller
holds no open transaction around it (see "Transactions" in docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from consentry.config import Settings
from consentry.errors import InvalidInput
from consentry.network.accounts import verify_password
from consentry.rights.erasure import erase
from consentry.rights.receipts import receipt_for_job
from consentry.rights.worker import wait_for
from consentry.store.engine import session_scope
from consentry.store.tables import Member


class NotConfirmed(InvalidInput):
    """The password typed to confirm is not the account's."""


@dataclass(frozen=True)
class Erasure:
    """What erasing an account did: the ledger entry, the job, and its receipt if done."""

    member_id: int
    ledger_seq: int
    job_id: int
    status: str
    receipt: dict[str, Any] | None


def confirmed(member: Member, typed: str) -> bool:
    """True when `typed` is the member's password (their handle is public: it is not)."""
    return bool(typed) and verify_password(member.password_hash, typed)


def check_confirmation(member: Member, typed: str) -> None:
    """Raises NotConfirmed (saying what to type) unless `typed` confirms the erasure."""
    if not confirmed(member, typed):
        raise NotConfirmed("To erase your account, type your password.")


def erase_account(
    engine: Engine,
    settings: Settings,
    member: Member,
    typed: str,
    *,
    source: str,
    wait_s: float = 0.0,
) -> Erasure:
    """Check the confirmation, erase, and wait up to `wait_s` for a worker to propagate
    it. Raises NotConfirmed, writing nothing, when `typed` does not confirm it.

    A propagation not finished by then goes on in the worker and its receipt is still
    issued (the status says `queued` or `running`).
    """
    check_confirmation(member, typed)
    done = erase(engine, settings, member.id, source=source, actor=f"member:{member.id}")
    status = wait_for(engine, done.job_id, timeout_s=wait_s)
    with session_scope(engine) as session:
        receipt = receipt_for_job(session, done.job_id)
    return Erasure(member.id, done.entry.seq, done.job_id, status, receipt)
