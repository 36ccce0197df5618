"""Writing many rows fast, inside the caller's transaction.

`BulkSink` takes rows as tuples in a table's column order and writes them in batches:
SQLAlchemy Core `executemany` on SQLite, `COPY ... FROM STDIN` through psycopg on
PostgreSQL. Neither builds an ORM object, and neither commits: the whole network is
written in one transaction, so a failure leaves the previous network untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, FromClause, Table, func, insert, literal, select, text
from sqlalchemy.exc import DBAPIError

import consentry.store.all_tables  # noqa: F401  (every table module, so metadata is complete)
from consentry.errors import Conflict
from consentry.store.tables import Base

BATCH = 10_000


class BulkSink:
    """Buffers rows per table and flushes them in batches of `BATCH` through `conn`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self._buffers: dict[str, list[tuple[Any, ...]]] = {}

    def write(self, table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
        """Queue `rows` (tuples in `table.columns` order); flushes full batches."""
        table = _table(table)
        buffer = self._buffers.setdefault(table.name, [])
        buffer.extend(rows)
        if len(buffer) >= BATCH:
            self._flush(table, buffer)

    def add(self, table: FromClause, row: tuple[Any, ...]) -> None:
        """Queue one row (a tuple in `table.columns` order); flushes a full batch."""
        table = _table(table)
        buffer = self._buffers.setdefault(table.name, [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self._flush(table, buffer)

    def flush(self, table: FromClause) -> None:
        """Write whatever is queued for `table`."""
        table = _table(table)
        buffer = self._buffers.get(table.name)
        if buffer:
            self._flush(table, buffer)

    def flush_all(self) -> None:
        # Parents before children, so foreign keys hold at every statement.
        for table in Base.metadata.sorted_tables:
            self.flush(table)

    def _flush(self, table: Table, buffer: list[tuple[Any, ...]]) -> None:
        # Rows a batch refers to must be written first (foreign keys are checked per statement).
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent is not table and self._buffers.get(parent.name):
                self._flush(_table(parent), self._buffers[_table(parent).name])
        if self.postgres:
            self._copy(table, buffer)
        else:
            keys = [c.key for c in table.columns]
            self.conn.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in buffer])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(buffer)
        buffer.clear()

    def _copy(self, table: Table, buffer: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        driver = self.conn.connection.driver_connection
        assert driver is not None  # an open connection always has its DBAPI connection
        cursor = driver.cursor()
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in buffer:
                copy.write_row(row)
        cursor.close()


def _table(table: FromClause) -> Table:
    # Mapped classes expose `__table__` as a FromClause; every one of ours is a Table.
    return cast(Table, table)


def member_count(conn: Connection) -> int:
    from consentry.store.tables import Member

    return conn.scalar(select(func.count()).select_from(Member.__table__)) or 0


def tables_about_members() -> list[Table]:
    """The tables a reset empties, parents first.

    That is every table of the network (`store/tables.py`), every table holding a
    `member_id`, every table referring to one of those and every table one of those refers
    to (a dataset's lineage goes with its version). Tables that say nothing about members
    (published policy versions) survive a reset.
    """
    network = {
        _table(m.local_table).name
        for m in Base.registry.mappers
        if m.class_.__module__ == "consentry.store.tables"
    }
    tables = Base.metadata.sorted_tables
    clear = {t.name for t in tables if t.name in network or "member_id" in t.c}
    while True:
        grown = set(clear)
        for t in tables:
            for fk in t.foreign_keys:
                if fk.column.table.name in clear or t.name in clear:
                    grown.update((t.name, fk.column.table.name))
        if grown == clear:
            return [t for t in tables if t.name in clear]
        clear = grown


def delete_everything(conn: Connection) -> None:
    """Empty every table about members (see `tables_about_members`), children first.

    Empty tables are left alone, so an append-only table (the consent ledger) blocks a
    reset only when it holds rows; then the reset is refused with a ConsentryError.
    """
    tables = tables_about_members()
    full = [t for t in tables if conn.execute(select(literal(1)).select_from(t).limit(1)).first()]
    try:
        if conn.dialect.name == "postgresql":
            # TRUNCATE must name every table that refers to one it empties.
            names = {t.name for t in full}
            for t in tables:
                if any(fk.column.table.name in names for fk in t.foreign_keys):
                    names.add(t.name)
            if names:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in sorted(names))))
            return
        for table in reversed(full):
            conn.execute(table.delete())
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
        raise Conflict(
            f"the network cannot be reset here ({reason}); start from a fresh database instead"
        ) from None
