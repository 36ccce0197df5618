"""Decisions: may a member's data be used for a purpose at a given time, and why.

One set of rules, applied in this order, both by `decide` (one member, Python) and by
`decide_all` (every member, one set-based SQL statement); the two must always agree.
(`decide_arrow` fetches `decide_all`'s parts and applies rules 3 and 4 over arrays with
`with_choices`, the twin of `decide_all`'s CASE: it must agree too.)

1. `excluded` in the member's region -> never;
2. the member is under the age of digital consent for their region -> never;
   (a region that is not a known ISO 3166 code gets the policy's strictest reading —
   consent, the highest age — never the "elsewhere" rule: `Policy.basis_for`)
3. the member erased their account at or before the ledger position -> never;
4. the latest explicit choice for the purpose at or before the position decides
   (grant -> yes; withdraw or object -> no), except that a grant recorded under a policy
   version older than one that widened the purpose needs renewal and counts as not given;
5. no choice: `consent` -> no, `legitimate-interest` -> yes (until the member objects).

A decision is a pure function of (member, purpose, ledger position T, time t): events
appended after T never change it, so a dataset built as of T can be re-checked exactly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    and_,
    select,
)
from sqlalchemy.orm import Session

from consentry.consent import ledger
from consentry.consent.jurisdictions import country_of, is_region, region_name
from consentry.consent.policy import LegalBasis
from consentry.consent.versions import ActivePolicy, resolve_policy
from consentry.errors import InvalidInput, NotFound
from consentry.store.consent_tables import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
)
from consentry.store.engine import utcnow
from consentry.store.tables import Member


class DecisionCode(StrEnum):
    """The stable machine form of a decision's reason, in rule order (module docstring).
    `allowed` is true exactly for ALLOWED_CODES."""

    EXCLUDED = "excluded"
    UNDER_AGE = "under-age"
    ERASED = "erased"
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    OBJECTED = "objected"
    RENEWAL_NEEDED = "renewal-needed"
    NOT_ALLOWED = "not-allowed"
    DEFAULT_ON = "default-on"


ALLOWED_CODES = frozenset({DecisionCode.GRANTED, DecisionCode.DEFAULT_ON})
#: The actions that are a choice for a purpose (an erasure is not).
DECIDING_ACTIONS = (ConsentAction.GRANT, ConsentAction.WITHDRAW, ConsentAction.OBJECT)


@dataclass(frozen=True)
class Decision:
    """Whether `member_id`'s data may be used for `purpose`, on what basis, and why.

    `reason` is a sentence for the member; `code` is its stable machine form.
    `as_of_seq`, `at` and `policy_version` are what the decision was made against.
    """

    allowed: bool
    basis: LegalBasis
    reason: str
    code: DecisionCode
    member_id: int
    purpose: str
    as_of_seq: int
    at: datetime
    policy_version: int


@dataclass(frozen=True)
class MemberFacts:
    """What a decision needs to know about a member."""

    id: int
    region: str
    birth_date: date


def human_date(moment: date | datetime) -> str:
    """`1 March 2026`: how dates appear in reasons."""
    return f"{moment.day} {moment:%B %Y}"


def age_cutoff(day: date, age: int) -> date:
    """The latest birth date of someone who is at least `age` years old on `day`.

    A member born after the cutoff is under `age`. (Born 29 February: the cutoff in a
    non-leap year is 28 February, so they come of age on 1 March.)
    """
    year = day.year - age
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def member_facts(session: Session, member: Member | MemberFacts | int) -> MemberFacts:
    """Facts for a member given as a row, facts, or an id (ConsentryError if unknown)."""
    if isinstance(member, MemberFacts):
        return member
    if isinstance(member, Member):
        return MemberFacts(member.id, member.region, member.birth_date)
    row = session.execute(
        select(Member.id, Member.region, Member.birth_date).where(Member.id == member)
    ).first()
    if row is None:
        raise NotFound(f"no member with id {member}")
    return MemberFacts(row.id, row.region, row.birth_date)


def _position(session: Session, as_of_seq: int | None, at: datetime | None) -> tuple[int, datetime]:
    """Resolve (T, t): T defaults to the position as of t; t to now, or to the time of
    entry T when only T is given (so `decide(..., as_of_seq=T)` is reproducible)."""
    if as_of_seq is not None and as_of_seq < 0:
        raise InvalidInput("a ledger position is never negative")
    if at is None:
        if as_of_seq is None:
            at = utcnow()
        else:
            at = session.scalar(
                select(ConsentEvent.occurred_at).where(ConsentEvent.seq == as_of_seq)
            )
            if at is None and as_of_seq:
                raise InvalidInput(f"the ledger has no entry {as_of_seq}")
            at = at or utcnow()
    position = ledger.position_at(session, at)
    return (position if as_of_seq is None else min(as_of_seq, position)), at


def reason_text(
    code: DecisionCode,
    *,
    basis: LegalBasis,
    region: str,
    age: int,
    when: datetime | None = None,
    source: str | None = None,
) -> str:
    """The member-readable sentence for a reason code."""
    if not is_region(region):
        # Decided by the strictest rule (consent.policy); say so rather than name a place.
        place = f"a region whose code ({region}) is not recognised"
    elif code == DecisionCode.UNDER_AGE:
        place = region_name(country_of(region))
    else:
        place = region_name(region)
    on = human_date(when) if when else ""
    return {
        DecisionCode.EXCLUDED: f"This is never used for members in {place}",
        DecisionCode.UNDER_AGE: f"Members under {age} in {place} are never included",
        DecisionCode.ERASED: f"You erased your account on {on}",
        DecisionCode.GRANTED: f"You allowed this on {on}",
        DecisionCode.WITHDRAWN: f"You withdrew your consent on {on}",
        DecisionCode.OBJECTED: (
            f"Your browser's Global Privacy Control signal objected to this on {on}"
            if source == ConsentSource.GPC
            else f"You objected to this on {on}"
        ),
        DecisionCode.RENEWAL_NEEDED: (
            f"You allowed this on {on}, but the policy has since widened it to more of "
            "your data, so it needs your consent again"
        ),
        DecisionCode.NOT_ALLOWED: "You have not allowed this",
        DecisionCode.DEFAULT_ON: f"This is on by default in {place}; you can object",
    }[code]


def decide(
    session: Session,
    member: Member | MemberFacts | int,
    purpose: str,
    *,
    at: datetime | None = None,
    as_of_seq: int | None = None,
    policy: ActivePolicy | None = None,
) -> Decision:
    """Decide for one member and purpose as of ledger position `as_of_seq` and time `at`.

    Defaults: `at` now and the position as of `at`; with only `as_of_seq`, `at` is that
    entry's time. `policy` defaults to the version that applies at `at`
    (`resolve_policy`), so a version still in its notice period is never used.
    """
    facts = member_facts(session, member)
    seq, at = _position(session, as_of_seq, at)
    active = policy or resolve_policy(session, at)
    pol = active.policy
    basis = pol.basis_for(purpose, facts.region, at).basis
    age = pol.age_of_consent(facts.region)

    def result(code: DecisionCode, event: ConsentEvent | None = None) -> Decision:
        text = reason_text(
            code,
            basis=basis,
            region=facts.region,
            age=age,
            when=event.occurred_at if event is not None else None,
            source=event.source if event is not None else None,
        )
        return Decision(
            code in ALLOWED_CODES, basis, text, code, facts.id, purpose, seq, at, active.version
        )

    if basis == LegalBasis.EXCLUDED:
        return result(DecisionCode.EXCLUDED)
    if facts.birth_date > age_cutoff(at.date(), age):
        return result(DecisionCode.UNDER_AGE)
    mine = and_(ConsentEvent.member_id == facts.id, ConsentEvent.seq <= seq)
    erased = session.scalars(
        select(ConsentEvent)
        .where(mine, ConsentEvent.purpose == "*", ConsentEvent.action == ConsentAction.ERASE)
        .order_by(ConsentEvent.seq)
        .limit(1)
    ).first()
    if erased is not None:
        return result(DecisionCode.ERASED, erased)
    last = session.scalars(
        select(ConsentEvent)
        .where(mine, ConsentEvent.purpose == purpose, ConsentEvent.action.in_(DECIDING_ACTIONS))
        .order_by(ConsentEvent.seq.desc())
        .limit(1)
    ).first()
    if last is not None:
        if last.action == ConsentAction.WITHDRAW:
            return result(DecisionCode.WITHDRAWN, last)
        if last.action == ConsentAction.OBJECT:
            return result(DecisionCode.OBJECTED, last)
        if last.policy_version >= active.renewal_floor.get(purpose, 0):
            return result(DecisionCode.GRANTED, last)
        if basis == LegalBasis.CONSENT:
            return result(DecisionCode.RENEWAL_NEEDED, last)
    if basis == LegalBasis.CONSENT:
        return result(DecisionCode.NOT_ALLOWED)
    return result(DecisionCode.DEFAULT_ON)
