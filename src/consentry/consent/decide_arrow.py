"""Batch decisions as an Arrow table: `decide_all` fetched by column, not row by row.

`decide_all` is one SQL statement; at a million members, turning its result into a
million Python rows costs more than running it. `decide_all_arrow` runs the same
statement (same rules) and hands back a `pyarrow.Table` ordered by member id:

- PostgreSQL: the database packs the whole result into three binary strings (member
  ids as 4-byte integers, the reason code and the basis as 2-byte indexes into
  `DecisionCode` and `LegalBasis`) with `string_agg` over `int4send`/`int2send`; they
  come back as one row and numpy reads them in place. (A row-per-member transfer, even
  `COPY ... TO STDOUT`, costs a Python call per member: about twice the whole query.)
- SQLite: the DB-API cursor is read in blocks with `fetchmany`, and each block's columns
  go straight into Arrow arrays: the driver's tuples are the only Python objects made per
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
    ColumnElement,
    LargeBinary,
    Select,
    SmallInteger,
    case,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from consentry.consent.decide import ALLOWED_CODES, DecisionCode, decide_all
from consentry.consent.policy import LegalBasis
from consentry.consent.versions import ActivePolicy

SCHEMA = pa.schema(
    [
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("allowed", pa.bool_(), nullable=False),
        pa.field("basis", pa.string(), nullable=False),
        pa.field("reason_code", pa.string(), nullable=False),
    ]
)
_CODES = [c.value for c in DecisionCode]
_BASES = [b.value for b in LegalBasis]
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
    query = decide_all(
        session, purpose, as_of_seq=as_of_seq, at=at, policy=policy, use_state=use_state
    )
    if session.connection().dialect.name == "postgresql":
        # Ordered here, not by the database: without ORDER BY it hash-joins the members
        # in one pass, and sorting a column of ids takes numpy milliseconds.
        return _packed(session, query.order_by(None))
    # SQLite keeps the ORDER BY: it then walks the members in id order (sequential reads
    # of the table) instead of by region, and sorts nothing.
    return _fetch_blocks(session, query)


def _table(ids: np.ndarray, codes: np.ndarray, bases: np.ndarray) -> pa.Table:
    order = np.argsort(ids, kind="stable")
    ids, codes, bases = ids[order], codes[order], bases[order]
    allowed = np.isin(codes, [_CODES.index(c) for c in ALLOWED_CODES])
    return pa.table(
        [
            pa.array(ids.astype(np.int64)),
            pa.array(allowed),
            pa.DictionaryArray.from_arrays(bases, pa.array(_BASES)).cast(pa.string()),
            pa.DictionaryArray.from_arrays(codes, pa.array(_CODES)).cast(pa.string()),
        ],
        schema=SCHEMA,
    )


@contextmanager
def _one_statement_settings(session: Session) -> Iterator[None]:
    """PostgreSQL settings for the packing statement only, put back after it.

    JIT off: the plan is a few hash joins, and compiling it (which its row estimates
    trigger) costs a fifth of its run time. More work_mem: the hash of a million members
    then stays in memory instead of spilling to temporary files.
    """
    names = ("jit", "work_mem")
    before = {n: session.scalar(text(f"SELECT current_setting('{n}')")) for n in names}
    for name, value in (("jit", "off"), ("work_mem", "128MB")):
        session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    try:
        yield
    finally:
        for name, value in before.items():
            session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})


def _packed(session: Session, query: Select) -> pa.Table:
    d = query.subquery("d")
    empty = literal(b"", LargeBinary)

    def packed(index: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.string_agg(func.int2send(cast(index, SmallInteger)), empty)

    packing = select(
        func.string_agg(func.int4send(d.c.member_id), empty),
        packed(case({c: i for i, c in enumerate(_CODES)}, value=d.c.reason_code)),
        packed(case({b: i for i, b in enumerate(_BASES)}, value=d.c.basis)),
    )
    with _one_statement_settings(session):
        ids, codes, bases = session.execute(packing).one()
    if ids is None:  # no members: string_agg over no rows is NULL
        return SCHEMA.empty_table()
    return _table(
        np.frombuffer(ids, ">i4"),
        np.frombuffer(codes, ">i2").astype(np.int8),
        np.frombuffer(bases, ">i2").astype(np.int8),
    )


def _fetch_blocks(session: Session, query: Select) -> pa.Table:
    result = session.connection().execute(query)
    cursor = result.cursor  # the DB-API cursor: plain tuples, no Row objects
    ids, codes, bases = [], [], []
    code_index = {c: i for i, c in enumerate(_CODES)}
    base_index = {b: i for i, b in enumerate(_BASES)}
    try:
        while rows := cursor.fetchmany(_BLOCK):
            block_ids, _, block_bases, block_codes = zip(*rows, strict=True)
            ids.append(np.fromiter(block_ids, np.int64, len(rows)))
            codes.append(np.fromiter(map(code_index.__getitem__, block_codes), np.int8))
            bases.append(np.fromiter(map(base_index.__getitem__, block_bases), np.int8))
    finally:
        result.close()
    if not ids:
        return SCHEMA.empty_table()
    return _table(np.concatenate(ids), np.concatenate(codes), np.concatenate(bases))
