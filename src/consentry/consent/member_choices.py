"""What a member may change about the use of their data for AI, and what a change means.

One row per purpose of the policy in force (`purpose_settings`): the policy's own
plain-language text, the basis that applies to this member (consent: off until they say
yes; legitimate interest: on until they object; excluded: never) and the decision's
reason, straight from `consent.decide`, so no face can show a default the engine does not
apply.

`choice_action` is the rule of a change, shared by the settings page, the JSON API and
anything else that turns a purpose on or off: on is a `grant`; off is an `object` under
legitimate interest and a `withdraw` under consent; a purpose the policy fixes (excluded,
under age, erased) cannot be changed; and nothing is recorded when the member's own
latest choice already says the same. Carrying the change out (ledger entry, and for "off"
a queued propagation) is `rights.choices.set_choice`. Reads only, in the caller's session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.consent.decide import decide
from consentry.consent.versions import resolve_policy
from consentry.errors import Forbidden
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import Member

BASIS_WORDS = {
    "consent": "Off until you say yes (consent)",
    "legitimate-interest": "On until you object (legitimate interest)",
    "excluded": "Never used where you live",
}
# Reasons no button can change: a face says why instead of offering a dead control.
FIXED_CODES = frozenset({"excluded", "under-age", "erased"})
# A choice is recorded unless the member's own latest choice already says the same: a
# default ("not-allowed", "default-on") is not a choice, so stating it explicitly counts
# (that is how a member keeps a purpose off before a new policy turns it on by default).
_ALREADY_ON = frozenset({"granted"})
_ALREADY_OFF = frozenset({"withdrawn", "objected"})


class ChoiceRefused(Forbidden):
    """A change the policy does not let a member make (e.g. an excluded purpose)."""


@dataclass(frozen=True)
class PurposeSetting:
    """One purpose as the member sees it: what it is, and where they stand."""

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


def off_action(basis: str) -> str:
    """The ledger action that turns a purpose off: `object` under legitimate interest,
    `withdraw` under consent."""
    return "object" if basis == "legitimate-interest" else "withdraw"


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
                changeable=d.code not in FIXED_CODES,
                off_action=off_action(d.basis),
                pending=key in busy,
            )
        )
    return out


def choice_action(session: Session, member_id: int, purpose: str, allowed: bool) -> str | None:
    """The ledger action that turns `purpose` on (`allowed`) or off for `member_id` now:
    `grant`, `withdraw` or `object`; None when their own latest choice already says so.

    Raises ChoiceRefused for a purpose the policy fixes, and InvalidInput (from `decide`)
    for an unknown purpose or member.
    """
    d = decide(session, member_id, purpose)
    if d.code in FIXED_CODES:
        raise ChoiceRefused(f"{d.reason}, so there is nothing to change")
    if d.code in (_ALREADY_ON if allowed else _ALREADY_OFF):
        return None
    return "grant" if allowed else off_action(d.basis)
