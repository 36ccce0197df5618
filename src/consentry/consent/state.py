"""The current-state table: each member's latest choice per purpose, for fast reads.

Derived from the ledger and kept in step with it inside the same transaction as each
append; `rebuild` recomputes it from the log alone (the two must always agree), and
`differences` checks that they do: the table is a function of the ledger, so a row edited,
added or deleted behind the ledger's back is named there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from consentry.store.consent_tables import ConsentAction, ConsentEvent, ConsentState

if TYPE_CHECKING:
    from consentry.consent.ledger import LedgerEntry

#: Actions that are choices (the ones the state table keeps); `notice-shown` is not one.
CHOICES = tuple(a for a in ConsentAction if a != ConsentAction.NOTICE_SHOWN)
_COLUMNS = ("member_id", "purpose", "action", "source", "policy_version", "seq", "occurred_at")


def apply(session: Session, entries: Sequence[LedgerEntry]) -> None:
    """Upsert the latest choice per (member, purpose) among `entries` (in ledger order)."""
    latest: dict[tuple[int, str], LedgerEntry] = {}
    for e in entries:
        if e.action in CHOICES:
            latest[(e.member_id, e.purpose)] = e
    if not latest:
        return
    rows = [{c: getattr(e, c) for c in _COLUMNS} for e in latest.values()]
    dialect = session.connection().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(ConsentState)
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id", "purpose"],
        set_={c: stmt.excluded[c] for c in _COLUMNS[2:]},
    )
    session.execute(stmt, rows)


def _derived() -> Select:
    """The table's rows as the ledger says they must be: each (member, purpose)'s latest
    choice."""
    last = (
        select(
            ConsentEvent.member_id,
            ConsentEvent.purpose,
            func.max(ConsentEvent.seq).label("seq"),
        )
        .where(ConsentEvent.action.in_(CHOICES))
        .group_by(ConsentEvent.member_id, ConsentEvent.purpose)
        .subquery()
    )
    return select(*(getattr(ConsentEvent, c) for c in _COLUMNS)).join(
        last, and_(ConsentEvent.seq == last.c.seq)
    )


def rebuild(session: Session) -> int:
    """Recompute the whole table from the ledger in one set-based statement; returns rows."""
    session.execute(delete(ConsentState))
    session.execute(insert(ConsentState).from_select(list(_COLUMNS), _derived()))
    return session.scalar(select(func.count()).select_from(ConsentState)) or 0


def snapshot(session: Session) -> list[tuple]:
    """Every row of the table, sorted: used to compare incremental and rebuilt state."""
    cols = [getattr(ConsentState, c) for c in _COLUMNS]
    return [tuple(r) for r in session.execute(select(*cols).order_by(*cols[:2]))]


def differences(session: Session, *, limit: int = 5) -> list[str]:
    """How the table differs from the state the ledger implies: one line per wrong row,
    at most `limit` (and a count of the rest); empty when they agree."""
    derived = {(r[0], r[1]): tuple(r) for r in session.execute(_derived())}
    stored = {(r[0], r[1]): r for r in snapshot(session)}
    problems: list[str] = []
    # Sorted as text: a stored value edited to another type must be reported, not crash
    # the comparison.
    for key in sorted(derived.keys() | stored.keys(), key=lambda k: tuple(map(str, k))):
        want, have = derived.get(key), stored.get(key)
        if want == have:
            continue
        member, purpose = key
        where = f"consent_state of member {member}, purpose {purpose!r}"
        if want is None:
            assert have is not None  # one of the two holds the key
            problems.append(f"{where} holds {have[2]!r} but the ledger has no such choice")
        elif have is None:
            problems.append(f"{where} is missing: the ledger's latest choice is entry {want[5]}")
        else:
            fields = [c for c, a, b in zip(_COLUMNS, want, have, strict=True) if a != b]
            problems.append(
                f"{where} differs from the ledger in {', '.join(fields)}: it says "
                f"{have[2]!r} (entry {have[5]}), the ledger {want[2]!r} (entry {want[5]})"
            )
    if len(problems) > limit:
        problems = [*problems[:limit], f"and {len(problems) - limit} more rows"]
    return problems


def member_state(session: Session, member_id: int) -> dict[str, ConsentState]:
    """A member's latest choice per purpose (`*` holds an erasure)."""
    rows = session.scalars(select(ConsentState).where(ConsentState.member_id == member_id))
    return {r.purpose: r for r in rows}
