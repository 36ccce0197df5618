"""Turning a purpose on or off for a member: the one entry point every face uses.

The settings page, the JSON API and any command call `set_choice`, so the same rule
(`consent.member_choices.choice_action`) decides what a change means everywhere: on is a
`grant` appended to the ledger; off goes through `rights.withdraw` (action `object` under
legitimate interest, `withdraw` under consent), which appends to the ledger and queues
the propagation in one commit.

Transactions: a ledger append takes the ledger's write lock, so `set_choice` is its own
unit of work. It takes the `Engine`, never a caller's session, and a caller must not hold
an open transaction around it (see "Transactions" in docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from consentry.config import Settings
from consentry.consent.ledger import with_retry
from consentry.consent.member_choices import choice_action
from consentry.consent.record import record_choice
from consentry.rights.withdrawal import withdraw
from consentry.store.engine import session_scope


@dataclass(frozen=True)
class ChoiceResult:
    """What a change did: nothing (already so), a ledger entry, and maybe a propagation."""

    purpose: str
    changed: bool
    ledger_seq: int | None = None
    job_id: int | None = None


def set_choice(
    engine: Engine,
    settings: Settings,
    member_id: int,
    purpose: str,
    allowed: bool,
    *,
    source: str,
    actor: str,
) -> ChoiceResult:
    """Turn `purpose` on or off for `member_id`; a no-op when the member's own latest
    choice already says so. Its own unit of work (see the module docstring).

    Raises ChoiceRefused for a purpose the policy fixes (excluded, under age) and
    InvalidInput for an unknown purpose, writing nothing.
    """
    with session_scope(engine) as session:
        action = choice_action(session, member_id, purpose, allowed)
    if action is None:
        return ChoiceResult(purpose, changed=False)
    if action == "grant":
        entry = with_retry(
            engine,
            lambda s: record_choice(s, member_id, purpose, "grant", source=source, actor=actor),
        )
        return ChoiceResult(purpose, True, entry.seq)
    request = withdraw(
        engine, settings, member_id, purpose, source=source, actor=actor, action=action
    )
    return ChoiceResult(purpose, True, request.entry.seq, request.job_id)
