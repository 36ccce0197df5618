"""Batch decisions as an Arrow table: `decide_all` fetched by column, not row by row.

`decide_all` is one SQL statement; at a million members, turning its result into a
million Python rows costs more than running it. `decide_all_arrow` gives the same
decisions (same rules; reasons and bases as small integers until the end) as a
`pyarrow.Table` ordered by member id:

- PostgreSQL: one statement packs `decide_all`'s parts (`batch_inputs`) into binary
  strings by `string_agg` over `int8send`/`int4send`: the members of each class of
  regions (8 bytes each: `member_id << 16 | code << 8 | basis`, the code that rules 1, 2
  and 5 give), the latest choices (`member_id << 8 | choice`) and the erased members'
  ids. They come back as one row, numpy reads them in place, and `with_choices` applies
  rules 3 and 4 by matching ids. The members are never joined to the choices in the
  database: at a million members the hash joins cost several times the rest. (A
  row-per-member transfer, even `COPY ... TO STDOUT`, costs a Python call per member:
  about as much as the query.)
- SQLite: the DB-API cursor is read in blocks with `fetchmany`, and each block's columns
  go straight into numpy arrays: the driver's tuples are the only Python objects made per
  member.

`allowed` is derived from the reason code (`ALLOWED_CODES`), as `decide_all` derives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    LargeBinary,
    ScalarSelect,
    Select,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from consentry.consent.decide import ALLOWED_CODES
from consentry.consent.decide_batch import (
    BASES,
    REASON_CODES,
    BatchInputs,
    batch_inputs,
    decide_all_codes,
    with_choices,
)
from consentry.consent.versions import ActivePolicy

SCHEMA = pa.schema(
    [
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("allowed", pa.bool_(), nullable=False),
        pa.field("basis", pa.string(), nullable=False),
        pa.field("reason_code", pa.string(), nullable=False),
    ]
)
_ALLOWED = np.isin(np.arange(len(REASON_CODES)), [REASON_CODES.index(c) for c in ALLOWED_CODES])
_BASE_NAMES = pa.array([b.value for b in BASES])
_CODE_NAMES = pa.array([c.value for c in REASON_CODES])
_BLOCK = 65_536


def decide_all_arrow(
    session: Session,
    purpose: str,
    *,
    as_of_seq: int,
    at: datetime,
    policy: ActivePolicy | None = None,
    use_state: bool | None = None,
) -> pa.Table:
    """`decide_all(...)`'s decisions as a `pyarrow.Table` of `SCHEMA`, ordered by member.

    Runs in the caller's transaction (and so sees what it sees); the arguments are
    `decide_all`'s.
    """
    if session.connection().dialect.name == "postgresql":
        parts = batch_inputs(
            session, purpose, as_of_seq=as_of_seq, at=at, policy=policy, use_state=use_state
        )
        return _packed(session, parts)
    # SQLite is asked for id order: it then walks the members in id order (sequential
    # reads of the table) instead of by region, and sorts nothing.
    query = decide_all_codes(
        session, purpose, as_of_seq=as_of_seq, at=at, policy=policy, use_state=use_state
    )
    return _fetch_blocks(session, query.order_by(query.selected_columns.member_id))


def _table(ids: np.ndarray, codes: np.ndarray, bases: np.ndarray) -> pa.Table:
    """The table of `SCHEMA` from columns already in id order."""
    return pa.table(
        [
            pa.array(ids, pa.int64()),
            pa.array(_ALLOWED[codes]),
            _BASE_NAMES.take(bases),
            _CODE_NAMES.take(codes),
        ],
        schema=SCHEMA,
    )


@contextmanager
def _one_statement_settings(session: Session) -> Iterator[None]:
    """JIT off for the packing statement only, put back after it: the plan is a few scans
    and aggregates, and compiling it (which the stale-row lookups' cost estimates
    trigger) costs more than it saves."""
    before = session.scalar(text("SELECT current_setting('jit')"))
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('jit', :v, true)"), {"v": before})


def packing(parts: BatchInputs) -> Select:
    """The one PostgreSQL statement `decide_all_arrow` runs: a row of binary strings, the
    members of each class of regions (`BatchInputs.classes`), then the choices and the
    erased members (module docstring). One aggregate per class reads its index scan
    directly, with no union to pass the million rows through."""
    empty = literal(b"", LargeBinary)

    def packed(word: ColumnElement[Any], source: FromClause) -> ScalarSelect:
        return select(func.string_agg(word, empty)).select_from(source).scalar_subquery()

    def members(part: Select) -> ScalarSelect:
        people = part.subquery()
        wide = cast(people.c.member_id, BigInteger)
        return packed(func.int8send(wide * 65536 + people.c.code * 256 + people.c.basis), people)

    choices, erasures = parts.choices.c, parts.erasures.c
    return select(
        *(members(part) for part in parts.classes),
        # string_agg skips the NULL words of rows without a choice (stale rows with
        # nothing before the position), which a WHERE would compute twice.
        packed(
            func.int8send(cast(choices.member_id, BigInteger) * 256 + choices.choice),
            parts.choices,
        ),
        packed(func.int4send(erasures.member_id), parts.erasures),
    )


def _packed(session: Session, parts: BatchInputs) -> pa.Table:
    with _one_statement_settings(session):
        *classes, chosen, erased = session.execute(packing(parts)).one()
    words = _words(b"".join(c for c in classes if c is not None), ">i8")
    if not len(words):
        return SCHEMA.empty_table()
    rows = _MemberRows(words >> 16)
    words = rows.in_order(words)
    codes = ((words >> 8) & 0xFF).astype(np.int8)
    bases = (words & 0xFF).astype(np.int8)
    choice = np.full(len(words), -1, np.int8)
    pairs = _words(chosen, ">i8")
    at, found = rows.of(pairs >> 8)
    choice[at] = pairs[found] & 0xFF
    gone = np.zeros(len(words), bool)
    gone[rows.of(_words(erased, ">i4"))[0]] = True
    return _table(words >> 16, with_choices(codes, bases, choice, gone), bases)


def _words(packed: bytes | None, dtype: str) -> np.ndarray:
    """A packed column as native 64-bit integers (NULL, from no rows: none)."""
    return np.frombuffer(packed or b"", dtype).astype(np.int64)


class _MemberRows:
    """The members' rows in id order, and which row holds a given member id.

    Member ids are nearly dense (a sequence, with the gaps of deleted accounts), so each
    id is placed by its offset from the smallest: no sort and no search, a few passes
    over arrays the size of the id range. Ids spread far wider than their count are
    sorted and searched instead.
    """

    def __init__(self, ids: np.ndarray):
        self.first = int(ids.min())
        span = int(ids.max()) - self.first + 1
        self.present: np.ndarray | None = None
        if span <= 8 * len(ids):
            self.present = np.zeros(span, bool)
            self.present[ids - self.first] = True
            self.rank = np.cumsum(self.present) - 1  # by id offset: its row, if present
            self.target = self.rank[ids - self.first]
        else:
            order = np.argsort(ids, kind="stable")
            self.target = np.empty_like(order)
            self.target[order] = np.arange(len(ids))
            self.ids = ids[order]

    def in_order(self, values: np.ndarray) -> np.ndarray:
        """`values`, given in the order of the ids passed in, put in id order."""
        ordered = np.empty_like(values)
        ordered[self.target] = values
        return ordered

    def of(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows of the members in `wanted` that have one, mask of those in `wanted`):
        a choice of a member created after the time decided at has no row."""
        if self.present is not None:
            offset = wanted - self.first
            found = (offset >= 0) & (offset < len(self.present))
            found[found] = self.present[offset[found]]
            return self.rank[offset[found]], found
        rows = np.searchsorted(self.ids, wanted)
        found = rows < len(self.ids)
        found[found] = self.ids[rows[found]] == wanted[found]
        return rows[found], found


def _fetch_blocks(session: Session, query: Select) -> pa.Table:
    result = session.connection().execute(query)
    cursor = result.cursor  # the DB-API cursor: plain tuples, no Row objects
    ids, codes, bases = [], [], []
    try:
        while rows := cursor.fetchmany(_BLOCK):
            block_ids, block_bases, block_codes = zip(*rows, strict=True)
            ids.append(np.fromiter(block_ids, np.int64, len(rows)))
            codes.append(np.fromiter(block_codes, np.int8, len(rows)))
            bases.append(np.fromiter(block_bases, np.int8, len(rows)))
    finally:
        result.close()
    if not ids:
        return SCHEMA.empty_table()
    return _table(np.concatenate(ids), np.concatenate(codes), np.concatenate(bases))
