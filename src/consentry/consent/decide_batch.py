"""Batch decisions: every member's decision for a purpose in one set-based statement.

`decide_all` applies the rules of `consent.decide` (its module docstring lists them) to
every member at once: the per-region basis and age cutoff are computed once per distinct
region with the same code `decide` uses, the latest choices come from the current-state
table at the head (`consent.state`) or from a GROUP BY over the ledger at an earlier
position, and the statement never loops per member. `decide_arrow` fetches the same
parts (`batch_inputs`) and applies rules 3 and 4 over arrays with `with_choices`, the
twin of the SQL CASE here; the three paths must always agree (tests/consent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
from consentry.consent.decide import ALLOWED_CODES, DECIDING_ACTIONS, DecisionCode, age_cutoff
from consentry.consent.policy import LegalBasis
from consentry.consent.versions import ActivePolicy, resolve_policy
from consentry.store.consent_tables import (
    ConsentAction,
    ConsentEvent,
    ConsentState,
)
from consentry.store.tables import Member


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
            ConsentEvent.action.in_(DECIDING_ACTIONS),
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
    deciding = [a.value for a in DECIDING_ACTIONS]
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
