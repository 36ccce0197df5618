"""Decisions: may a member's data be used for a purpose at a given time, and why.

One set of rules, applied in this order, both by `decide` (one member, Python) and by
`decide_all` (every member, one set-based SQL statement); the two must always agree:

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
    ColumnElement,
    Date,
    FromClause,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    values,
)
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

from consentry.consent import ledger
from consentry.consent.jurisdictions import country_of, is_region, region_name
from consentry.consent.policy import LegalBasis
from consentry.consent.state import CHOICES
from consentry.consent.versions import ActivePolicy, resolve_policy
from consentry.errors import InvalidInput, NotFound
from consentry.store.consent_tables import (
    ConsentAction,
    ConsentEvent,
    ConsentSource,
    ConsentState,
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
_DECIDING = (ConsentAction.GRANT, ConsentAction.WITHDRAW, ConsentAction.OBJECT)
#: The other actions a state row can hold (an erasure; the state table keeps no notices).
_NOT_DECIDING = tuple(a.value for a in CHOICES if a not in _DECIDING)


def _code(code: DecisionCode):
    # Typed explicitly: a bare enum literal has no SQL type, and PostgreSQL then cannot
    # infer one for the CASE it appears in.
    return literal(code.value, String)


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
        .where(mine, ConsentEvent.purpose == purpose, ConsentEvent.action.in_(_DECIDING))
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


def _regions(session: Session) -> list[str]:
    """The distinct regions of members: one probe of the region index per region (a
    loose index scan, as a recursive query) instead of reading a million members."""
    walk = select(func.min(Member.region).label("region")).cte("walk", recursive=True)
    after = select(func.min(Member.region)).where(Member.region > walk.c.region)
    walk = walk.union_all(select(after.scalar_subquery()).where(walk.c.region.is_not(None)))
    return [r for r in session.scalars(select(walk.c.region)) if r is not None]


@dataclass(frozen=True)
class _Choices:
    """Where a batch decision finds each member's latest choice and erasure: the outer
    joins onto `members` to add, and expressions over them for the choice's action and
    policy version (NULL when none) and for "erased"."""

    joins: tuple[tuple[FromClause, ColumnElement[bool]], ...]
    action: ColumnElement[str]
    policy_version: ColumnElement[int]
    erased: ColumnElement[bool]


def _erased(seq: int) -> Select:
    return (
        select(ConsentEvent.member_id)
        .where(
            ConsentEvent.purpose == "*",
            ConsentEvent.action == ConsentAction.ERASE,
            ConsentEvent.seq <= seq,
        )
        .group_by(ConsentEvent.member_id)
    )


def _from_ledger(purpose: str, seq: int) -> _Choices:
    """Latest choices and erasures as of `seq` by GROUP BY over the whole ledger."""
    latest = (
        select(ConsentEvent.member_id, func.max(ConsentEvent.seq).label("seq"))
        .where(
            ConsentEvent.purpose == purpose,
            ConsentEvent.action.in_(_DECIDING),
            ConsentEvent.seq <= seq,
        )
        .group_by(ConsentEvent.member_id)
        .cte("latest_choice")
    )
    choice = ConsentEvent.__table__.alias("choice")
    erased = _erased(seq).cte("erased")
    return _Choices(
        joins=(
            (latest, latest.c.member_id == Member.id),
            (choice, choice.c.seq == latest.c.seq),
            (erased, erased.c.member_id == Member.id),
        ),
        action=choice.c.action,
        policy_version=choice.c.policy_version,
        erased=erased.c.member_id.is_not(None),
    )


def _from_state(purpose: str, seq: int) -> _Choices:
    """Latest choices and erasures as of `seq` from the current-state table.

    A state row holds a member's latest choice for the purpose over the whole ledger. It
    answers directly when it is a deciding choice at or before `seq` (for `*`: an erasure
    at or before `seq`). Every other row is stale for this position (a choice after
    `seq`, an erasure recorded under the purpose), and for that row alone the ledger is
    asked, by a lookup driven from the row (`ix_consent_events_purpose`). The stale rows
    are found through `ix_consent_state_stale`: at the head there are none, and the
    ledger is not read at all.
    """
    s = ConsentState
    deciding = [a.value for a in _DECIDING]
    erase = ConsentAction.ERASE.value
    mine = and_(ConsentEvent.member_id == s.member_id, ConsentEvent.seq <= seq)
    before = (
        select(func.max(ConsentEvent.seq))
        .where(mine, ConsentEvent.purpose == purpose, ConsentEvent.action.in_(deciding))
        .scalar_subquery()
    )
    stale = (
        select(s.member_id, before.label("seq"))
        .where(
            s.purpose == purpose,
            or_(and_(s.action.in_(deciding), s.seq > seq), s.action.in_(_NOT_DECIDING)),
        )
        .subquery("stale")
    )
    stale_choice = (
        select(stale.c.member_id, ConsentEvent.action, ConsentEvent.policy_version)
        .join(ConsentEvent, ConsentEvent.seq == stale.c.seq)
        .cte("stale_choice")
        # Computed once (usually empty), not per member: SQLite would otherwise fold it
        # into the join and probe the stale rows once per member. Not on PostgreSQL,
        # whose planner then knows no row count for it and walks the members by index.
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    # A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a join driven from every
    # erasure in the ledger; this stays a lookup per stale row.
    erased_before = (
        select(func.min(ConsentEvent.seq))
        .where(mine, ConsentEvent.purpose == "*", ConsentEvent.action == erase)
        .scalar_subquery()
    )
    stale_erased = (
        select(s.member_id)
        .where(
            s.purpose == "*",
            or_(and_(s.action == erase, s.seq > seq), s.action.in_(deciding)),
            erased_before.is_not(None),
        )
        .cte("stale_erased")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    current_table = ConsentState.__table__.alias("current_choice")
    wiped_table = ConsentState.__table__.alias("current_erasure")
    current, wiped = current_table.c, wiped_table.c
    fresh = and_(current.action.in_(deciding), current.seq <= seq)
    return _Choices(
        joins=(
            (current_table, and_(current.member_id == Member.id, current.purpose == purpose)),
            (wiped_table, and_(wiped.member_id == Member.id, wiped.purpose == "*")),
            (stale_choice, stale_choice.c.member_id == Member.id),
            (stale_erased, stale_erased.c.member_id == Member.id),
        ),
        action=case((fresh, current.action), else_=stale_choice.c.action),
        policy_version=case((fresh, current.policy_version), else_=stale_choice.c.policy_version),
        erased=or_(
            and_(wiped.action == erase, wiped.seq <= seq),
            stale_erased.c.member_id.is_not(None),
        ),
    )


def decide_all(
    session: Session,
    purpose: str,
    *,
    as_of_seq: int,
    at: datetime,
    policy: ActivePolicy | None = None,
    use_state: bool | None = None,
) -> Select:
    """Every member's decision for `purpose` as of (`as_of_seq`, `at`), as ONE SQL query.

    Returns a SELECT of (member_id, allowed, basis, reason_code) over every member created
    at or before `at`. The per-region basis and age cutoff are computed once per distinct
    region with the same code `decide` uses and joined in as a VALUES table.

    The latest choice per member comes from the current-state table (`consent.state`)
    when the position is the ledger head (the common case: a build now), otherwise from a
    GROUP BY over the ledger; `use_state` forces one or the other. Both give the same
    answer at every position (`_from_state`). Compose it into a larger query (a dataset
    build), run it with `session.execute`, or fetch it as Arrow (`decide_arrow`).
    """
    active = policy or resolve_policy(session, at)
    pol = active.policy
    pol.purpose(purpose)
    seq = min(as_of_seq, ledger.position_at(session, at))
    regions = _regions(session)
    rows = [
        (
            r,
            pol.basis_for(purpose, r, at).basis,
            age_cutoff(at.date(), pol.age_of_consent(r)),
        )
        for r in regions
    ] or [("", LegalBasis.CONSENT, date(1, 1, 1))]  # an empty VALUES list is not valid SQL
    rules = (
        values(
            sql_column("region", String),
            sql_column("basis", String),
            sql_column("cutoff", Date),
            name="region_rules",
        )
        .data(rows)
        .cte("region_rules")
    )
    if use_state is None:
        use_state = seq >= ledger.head(session).seq
    found = (_from_state if use_state else _from_ledger)(purpose, seq)
    action = found.action
    floor = active.renewal_floor.get(purpose, 0)
    code = case(
        (rules.c.basis == LegalBasis.EXCLUDED, _code(DecisionCode.EXCLUDED)),
        (Member.birth_date > rules.c.cutoff, _code(DecisionCode.UNDER_AGE)),
        (found.erased, _code(DecisionCode.ERASED)),
        (action == ConsentAction.WITHDRAW, _code(DecisionCode.WITHDRAWN)),
        (action == ConsentAction.OBJECT, _code(DecisionCode.OBJECTED)),
        (
            and_(action == ConsentAction.GRANT, found.policy_version >= floor),
            _code(DecisionCode.GRANTED),
        ),
        (
            and_(action == ConsentAction.GRANT, rules.c.basis == LegalBasis.CONSENT),
            _code(DecisionCode.RENEWAL_NEEDED),
        ),
        (rules.c.basis == LegalBasis.CONSENT, _code(DecisionCode.NOT_ALLOWED)),
        else_=_code(DecisionCode.DEFAULT_ON),
    )
    joined = select(
        Member.id.label("member_id"),
        rules.c.basis.label("basis"),
        code.label("reason_code"),
    ).join(rules, rules.c.region == Member.region)
    for table, on in found.joins:
        joined = joined.outerjoin(table, on)
    inner = joined.where(Member.created_at <= at).subquery("decisions")
    return select(
        inner.c.member_id,
        inner.c.reason_code.in_(sorted(c.value for c in ALLOWED_CODES)).label("allowed"),
        inner.c.basis,
        inner.c.reason_code,
    ).order_by(inner.c.member_id)
