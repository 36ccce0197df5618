"""The choices screen at sign-up: every AI purpose as the rules set it, and the member's
first choices.

`first_choices(session, member)` is what the screen shows, read in the caller's session:
the policy version in force (its number is the notice version a choice made now is
recorded under, unless a newer notice was shown), the age of digital consent where the
member lives and whether they are under it, and every purpose from
`consent.member_choices.purpose_settings` — so it shows exactly what the decision engine
applies: under consent a purpose is off until the member says yes; under legitimate
interest it is on, and the member may object; an excluded purpose, or any purpose for a
member under the age of digital consent, is off with the reason and cannot be turned on.

`record_first_choices` records what the member chose on that screen, purpose by purpose,
through `rights.choices.set_choice`, the function the settings page and the API use, so
the same rule decides what a choice means and the ledger entry carries the source and the
notice version like any other. Only a purpose set otherwise than the rule left it is
recorded: leaving a purpose as it stands records nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import age_cutoff
from consentry.consent.member_choices import PurposeSetting, purpose_settings
from consentry.consent.versions import resolve_policy
from consentry.rights.choices import ChoiceResult, set_choice
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member


@dataclass(frozen=True)
class FirstChoices:
    """What the sign-up choices screen shows one member."""

    policy_version: int
    policy_name: str
    policy_since: datetime
    age_of_consent: int
    under_age_of_consent: bool
    purposes: tuple[PurposeSetting, ...]


def first_choices(session: Session, member: Member) -> FirstChoices:
    """Every purpose of the policy in force, decided for `member` now, with the policy's
    version and the age of digital consent that applies where they live."""
    active = resolve_policy(session)
    age = active.policy.age_of_consent(member.region)
    return FirstChoices(
        policy_version=active.version,
        policy_name=active.policy.name,
        policy_since=active.effective_at,
        age_of_consent=age,
        under_age_of_consent=member.birth_date > age_cutoff(utcnow().date(), age),
        purposes=tuple(purpose_settings(session, member)),
    )


def record_first_choices(
    engine: Engine,
    settings: Settings,
    member_id: int,
    *,
    wanted: Collection[str],
    shown: Collection[str],
    source: str,
) -> list[ChoiceResult]:
    """Turn on each purpose in `wanted` and off each other purpose in `shown`, where
    that differs from the decision now; returns what was recorded. A purpose that was
    not on the screen (`shown`), or that the policy fixes, is left alone. Each change is
    its own unit of work (`set_choice`): the caller holds no open transaction."""
    with session_scope(engine) as session:
        member = session.get(Member, member_id)
        now = {s.key: s for s in purpose_settings(session, member)} if member else {}
    done = []
    for key, setting in now.items():
        if key not in shown or not setting.changeable:
            continue
        allowed = key in wanted
        if allowed == setting.allowed:
            continue
        done.append(
            set_choice(
                engine,
                settings,
                member_id,
                key,
                allowed,
                source=source,
                actor=f"member:{member_id}",
            )
        )
    return done
