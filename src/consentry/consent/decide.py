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

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Date,
    FromClause,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Subquery,
    and_,
    case,
    func,
    literal,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy import column as sql_column
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


#: Batch decisions name reasons and bases by their position in these tuples: the SQL
#: compares small integers per member, not strings, and `decide_all` turns them into
#: names only at the end (`decide_arrow` packs them as they are).
REASON_CODES = tuple(DecisionCode)
BASES = tuple(LegalBasis)
_CODE = {c: REASON_CODES.index(c) for c in DecisionCode}
_BASIS = {b: BASES.index(b) for b in LegalBasis}


def _choice_code(
    action: SQLColumnExpression[str], policy_version: SQLColumnExpression[int], floor: int
) -> ColumnElement[int]:
    """A latest choice as the reason code it gives, NULL for an action that is not a choice.

    A grant recorded under a version older than `floor` gives RENEWAL_NEEDED, which decides
    only where the basis is consent (elsewhere the default applies: `decide`).
    """
    # A simple CASE: the action is read once and compared at most three times.
    return case(
        {
            ConsentAction.GRANT.value: case(
                (policy_version >= floor, _CODE[DecisionCode.GRANTED]),
                else_=_CODE[DecisionCode.RENEWAL_NEEDED],
            ),
            ConsentAction.WITHDRAW.value: _CODE[DecisionCode.WITHDRAWN],
            ConsentAction.OBJECT.value: _CODE[DecisionCode.OBJECTED],
        },
        value=action,
    )


@dataclass(frozen=True)
class _Choices:
    """What a batch decision joins onto the members, by `member_id`: `choices` holds
    (member_id, choice), each member's latest choice for the purpose as `_choice_code`
    (NULL or no row: none); `erasures` holds the members who erased their account."""

    choices: FromClause
    erasures: FromClause


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


def _from_ledger(purpose: str, seq: int, floor: int) -> _Choices:
    """Latest choices and erasures as of `seq` by GROUP BY over the whole ledger."""
    latest = (
        select(ConsentEvent.member_id, func.max(ConsentEvent.seq).label("seq"))
        .where(
            ConsentEvent.purpose == purpose,
            ConsentEvent.action.in_(_DECIDING),
            ConsentEvent.seq <= seq,
        )
        .group_by(ConsentEvent.member_id)
        .subquery("latest_choice")
    )
    choice = ConsentEvent.__table__.alias("choice")
    choices = (
        select(
            latest.c.member_id,
            _choice_code(choice.c.action, choice.c.policy_version, floor).label("choice"),
        )
        .join(choice, choice.c.seq == latest.c.seq)
        .subquery("choices")
    )
    return _Choices(choices, _erased(seq).subquery("erasures"))


def _from_state(purpose: str, seq: int, floor: int) -> _Choices:
    """Latest choices and erasures as of `seq` from the current-state table.

    A state row holds a member's latest choice for the purpose over the whole ledger. It
    answers directly when it is a deciding choice at or before `seq` (for `*`: an erasure
    at or before `seq`). Every other row is stale for this position (a choice after
    `seq`, an erasure recorded under the purpose, a choice recorded under `*`), and for
    that row alone the ledger is asked, by a lookup driven from the row
    (`ix_consent_events_purpose`) that SQL evaluates only for stale rows (inside COALESCE
    or CASE): at the head there are usually none, and the ledger is not read at all.
    """
    e = ConsentEvent
    deciding = [a.value for a in _DECIDING]
    erase = ConsentAction.ERASE.value
    current = ConsentState.__table__.alias("current_choice").c
    # A scalar subquery, not EXISTS or a join: PostgreSQL turns those into a join driven
    # from the ledger's rows; this stays a lookup per stale row.
    before = (
        select(_choice_code(e.action, e.policy_version, floor))
        .where(
            e.member_id == current.member_id,
            e.purpose == purpose,
            e.action.in_(deciding),
            e.seq <= seq,
        )
        .order_by(e.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    # NULL, and so looked up, unless the row is a choice (`_choice_code`) at or before `seq`;
    # COALESCE evaluates the lookup only then.
    stored = case((current.seq <= seq, _choice_code(current.action, current.policy_version, floor)))
    choices = (
        select(current.member_id, func.coalesce(stored, before).label("choice"))
        .where(current.purpose == purpose)
        .subquery("choices")
    )
    wiped = ConsentState.__table__.alias("current_erasure").c
    erased_before = (
        select(e.seq)
        .where(e.member_id == wiped.member_id, e.purpose == "*", e.action == erase, e.seq <= seq)
        .limit(1)
        .scalar_subquery()
    )
    erasures = (
        select(wiped.member_id)
        .where(
            wiped.purpose == "*",
            case(
                (and_(wiped.action == erase, wiped.seq <= seq), true()),
                else_=erased_before.is_not(None),
            ),
        )
        .subquery("erasures")
    )
    return _Choices(choices, erasures)


def _member_code(
    basis: SQLColumnExpression[int],
    birth_date: SQLColumnExpression[date],
    cutoff: SQLColumnExpression[date],
) -> ColumnElement[int]:
    """Rules 1, 2 and 5: a member's decision before their choices and erasure are read."""
    return case(
        (basis == _BASIS[LegalBasis.EXCLUDED], _CODE[DecisionCode.EXCLUDED]),
        (birth_date > cutoff, _CODE[DecisionCode.UNDER_AGE]),
        (basis == _BASIS[LegalBasis.CONSENT], _CODE[DecisionCode.NOT_ALLOWED]),
        else_=_CODE[DecisionCode.DEFAULT_ON],
    )


#: The codes of `_member_code` that a choice or an erasure can still change.
_OPEN = (_CODE[DecisionCode.NOT_ALLOWED], _CODE[DecisionCode.DEFAULT_ON])
_RENEWAL = _CODE[DecisionCode.RENEWAL_NEEDED]
_IS_OPEN = np.isin(np.arange(len(REASON_CODES)), _OPEN)  # by code: a lookup, not a search


def _with_choices(
    code: ColumnElement[int],
    basis: ColumnElement[int],
    choice: ColumnElement[int],
    erased: ColumnElement[bool],
) -> ColumnElement[int]:
    """Rules 3 and 4 over `_member_code`'s `code`; `with_choices` is the same over arrays."""
    return case(
        (code.not_in(_OPEN), code),
        (erased, _CODE[DecisionCode.ERASED]),
        # A withdrawal, an objection or a current grant decides whatever the basis.
        (choice != _RENEWAL, choice),
        (and_(choice == _RENEWAL, basis == _BASIS[LegalBasis.CONSENT]), _RENEWAL),
        else_=code,
    )


def with_choices(
    code: np.ndarray, basis: np.ndarray, choice: np.ndarray, erased: np.ndarray
) -> np.ndarray:
    """`_with_choices` over numpy arrays, one element per member: `choice` as
    `_choice_code` gives it, -1 for none. Returns the final codes (`code` is not changed)."""
    open_ = _IS_OPEN[code]
    final = code.copy()
    renewal = open_ & (choice == _RENEWAL) & (basis == _BASIS[LegalBasis.CONSENT])
    final[renewal] = _RENEWAL
    decided = open_ & (choice >= 0) & (choice != _RENEWAL)
    final[decided] = choice[decided]
    final[open_ & erased] = _CODE[DecisionCode.ERASED]
    return final


def _people(session: Session, rules: list[tuple[str, int, date]], at: datetime) -> list[Select]:
    """(member_id, basis, code) of every member created at or before `at`: the basis of
    their region (an index into BASES) and `_member_code`, as selects whose union is the
    members. `rules` holds one (region, basis, age cutoff) per distinct region.

    PostgreSQL: one select per distinct (basis, cutoff), whose members are read from
    `ix_members_decisions` (region, id, then birth date and creation time: migration 0017)
    by an index-only scan of its regions, with basis and cutoff as constants; no member's
    region is compared or hashed as text, which cost more than the rest of the decision.
    SQLite, which walks the members in id order and probes per member anyway: one select
    joining the rules as a VALUES table.
    """
    if session.connection().dialect.name == "postgresql":
        classes: dict[tuple[int, date], list[str]] = {}
        for region, basis, cutoff in rules:
            classes.setdefault((basis, cutoff), []).append(region)
        return [
            select(
                Member.id.label("member_id"),
                literal(basis, Integer).label("basis"),
                _member_code(
                    literal(basis, Integer), Member.birth_date, literal(cutoff, Date)
                ).label("code"),
            ).where(Member.region.in_(regions), Member.created_at <= at)
            for (basis, cutoff), regions in sorted(classes.items())
        ]
    table = (
        values(
            sql_column("region", String),
            sql_column("basis", Integer),
            sql_column("cutoff", Date),
            name="region_rules",
        )
        .data(rules)
        .cte("region_rules")
    )
    return [
        select(
            Member.id.label("member_id"),
            table.c.basis,
            _member_code(table.c.basis, Member.birth_date, table.c.cutoff).label("code"),
        )
        .join(table, table.c.region == Member.region)
        .where(Member.created_at <= at)
    ]


@dataclass(frozen=True)
class BatchInputs:
    """What a batch decision combines, each keyed by member_id: the members (member_id,
    basis, code) as `_people`'s selects, and `_Choices`'s choices and erasures."""

    classes: tuple[Select, ...]
    choices: FromClause
    erasures: FromClause

    @property
    def people(self) -> Subquery:
        """Every member, as one subquery."""
        if len(self.classes) == 1:
            return self.classes[0].subquery("people")
        return union_all(*self.classes).subquery("people")


def batch_inputs(
    session: Session,
    purpose: str,
    *,
    as_of_seq: int,
    at: datetime,
    policy: ActivePolicy | None = None,
    use_state: bool | None = None,
) -> BatchInputs:
    """The parts of `decide_all`, to be combined by `_with_choices` (in SQL) or
    `with_choices` (over arrays); the arguments are `decide_all`'s."""
    active = policy or resolve_policy(session, at)
    pol = active.policy
    pol.purpose(purpose)
    seq = min(as_of_seq, ledger.position_at(session, at))
    rules = [
        (
            r,
            _BASIS[pol.basis_for(purpose, r, at).basis],
            age_cutoff(at.date(), pol.age_of_consent(r)),
        )
        for r in _regions(session)
    ] or [("", _BASIS[LegalBasis.CONSENT], date(1, 1, 1))]  # an empty VALUES list is not SQL
    if use_state is None:
        use_state = seq >= ledger.head(session).seq
    floor = active.renewal_floor.get(purpose, 0)
    found = (_from_state if use_state else _from_ledger)(purpose, seq, floor)
    return BatchInputs(tuple(_people(session, rules, at)), found.choices, found.erasures)


def decide_all_codes(
    session: Session,
    purpose: str,
    *,
    as_of_seq: int,
    at: datetime,
    policy: ActivePolicy | None = None,
    use_state: bool | None = None,
) -> Select:
    """`decide_all`'s decisions unordered, as (member_id, basis, code): `basis` an index
    into BASES, `code` an index into REASON_CODES."""
    parts = batch_inputs(
        session, purpose, as_of_seq=as_of_seq, at=at, policy=policy, use_state=use_state
    )
    members = parts.people
    people, choices, erasures = members.c, parts.choices.c, parts.erasures.c
    code = _with_choices(people.code, people.basis, choices.choice, erasures.member_id.is_not(None))
    return select(people.member_id, people.basis, code.label("code")).select_from(
        members.outerjoin(parts.choices, choices.member_id == people.member_id).outerjoin(
            parts.erasures, erasures.member_id == people.member_id
        )
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
    at or before `at`, ordered by member. The per-region basis and age cutoff are computed
    once per distinct region with the same code `decide` uses (`_people`).

    The latest choice per member comes from the current-state table (`consent.state`)
    when the position is the ledger head (the common case: a build now), otherwise from a
    GROUP BY over the ledger; `use_state` forces one or the other. Both give the same
    answer at every position (`_from_state`). Compose it into a larger query (a dataset
    build), run it with `session.execute`, or fetch it as Arrow (`decide_arrow`).
    """
    decisions = decide_all_codes(
        session, purpose, as_of_seq=as_of_seq, at=at, policy=policy, use_state=use_state
    ).subquery("decisions")
    code = decisions.c.code
    return select(
        decisions.c.member_id,
        code.in_(sorted(_CODE[c] for c in ALLOWED_CODES)).label("allowed"),
        case(
            {i: literal(b.value, String) for i, b in enumerate(BASES)}, value=decisions.c.basis
        ).label("basis"),
        case({i: literal(c.value, String) for i, c in enumerate(REASON_CODES)}, value=code).label(
            "reason_code"
        ),
    ).order_by(decisions.c.member_id)
