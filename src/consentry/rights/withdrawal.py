"""Withdrawal (and objection): the member's choice and its propagation, in one commit.

The ledger entry and the propagation job are written in the same transaction, so a
withdrawal acknowledged to a member always has its propagation queued; a worker (or
`propagate_now`) then carries it to every dataset and model of that purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.ledger import LedgerEntry, with_retry
from consentry.consent.record import record_choice
from consentry.errors import InvalidInput
from consentry.rights.queue import enqueue
from consentry.store.consent_tables import ConsentAction
from consentry.store.rights_tables import JobKind


@dataclass(frozen=True)
class RightsRequest:
    """A withdrawal, objection or erasure as recorded: its ledger entry and its job."""

    entry: LedgerEntry
    job_id: int


def withdraw(
    db: Engine,
    settings: Settings,
    member_id: int,
    purpose: str,
    *,
    source: str,
    actor: str,
    action: str = ConsentAction.WITHDRAW,
) -> RightsRequest:
    """Record `member_id` withdrawing consent to (or, with action="object", objecting to)
    `purpose`, and queue its propagation, in one transaction.

    Raises ConsentryError, writing nothing, for an unknown member, purpose or source.
    """
    if action not in (ConsentAction.WITHDRAW, ConsentAction.OBJECT):
        raise InvalidInput(f"a withdrawal is `withdraw` or `object`, not {action!r}")

    def work(session: Session) -> RightsRequest:
        entry = record_choice(session, member_id, purpose, action, source=source, actor=actor)
        return RightsRequest(entry, enqueue(session, entry, kind=JobKind.WITHDRAW))

    return with_retry(db, work)
