"""Writing many rows fast, inside the caller's transaction.

`BulkSink` takes rows as tuples in a table's column order and writes them in batches:
`COPY ... FROM STDIN` through psycopg on PostgreSQL, the driver's own `executemany` on
SQLite (each value converted by its column type's bind processor, exactly as SQLAlchemy
would, but without building a statement context and a dict per row). Neither commits:
the whole network is written in one transaction, so a failure leaves the previous
network untouched.

`deferred_indexes` drops the secondary indexes of tables that are empty when a load
starts and creates them again from their own definitions when it ends, still inside the
transaction: one sorted build per index costs far less than maintaining a B-tree (or the
posts' full-text GIN index) row by row at millions of rows.

`BulkSink(conn, reference=True)` writes through SQLAlchemy Core `insert()` executemany on
every backend instead: slower, and kept as the oracle the fast paths are tested against
(same tables, same bytes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection, FromClause, Table, func, insert, literal, select, text
from sqlalchemy.exc import DBAPIError

import consentry.store.all_tables  # noqa: F401  (every table module, so metadata is complete)
from consentry.errors import Conflict
from consentry.store.tables import Base

BATCH = 10_000


class BulkSink:
    """Buffers rows per table and flushes them in batches of `BATCH` through `conn`."""

    def __init__(self, conn: Connection, *, reference: bool = False) -> None:
        self.conn = conn
        self.reference = reference
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self._buffers: dict[str, list[tuple[Any, ...]]] = {}
        self._inserts: dict[str, tuple[str, list[Any]]] = {}

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
        if self.reference:
            keys = [c.key for c in table.columns]
            self.conn.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in buffer])
        elif self.postgres:
            self._copy(table, buffer)
        else:
            self._executemany(table, buffer)
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

    def _executemany(self, table: Table, buffer: list[tuple[Any, ...]]) -> None:
        sql, processors = self._insert_for(table)
        if any(processors):
            rows: Iterable[Sequence[Any]] = (
                [v if p is None else p(v) for p, v in zip(processors, row, strict=True)]
                for row in buffer
            )
        else:
            rows = buffer
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(sql, rows)
        cursor.close()

    def _insert_for(self, table: Table) -> tuple[str, list[Any]]:
        # The statement and each column's bind processor (None where the driver takes the
        # value as it is), the ones SQLAlchemy itself applies to these columns' values.
        if table.name not in self._inserts:
            dialect = self.conn.dialect
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            processors = [
                c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns
            ]
            self._inserts[table.name] = (
                f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',
                processors,
            )
        return self._inserts[table.name]


@contextmanager
def deferred_indexes(conn: Connection, tables: Sequence[Table]) -> Iterator[list[str]]:
    """Drop the secondary indexes of those `tables` that hold no rows; recreate them on exit.

    Only indexes that enforce nothing: primary keys, unique constraints and unique
    indexes stay, so every row is still checked as it arrives; and only on empty tables (a
    table with rows keeps its indexes: rebuilding them would cost more than it saves).
    Runs in the caller's transaction: on an error the drops roll back with the rows.
    Yields the names of the indexes it dropped.
    """
    saved: list[tuple[str, str]] = []
    for table in tables:
        if conn.execute(select(literal(1)).select_from(table).limit(1)).first():
            continue
        saved += _secondary_indexes(conn, table.name)
    for name, _definition in saved:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield [name for name, _ in saved]
    for _name, definition in saved:
        conn.exec_driver_sql(definition)  # as the database wrote it: no bind markers


def _secondary_indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    # (name, the statement that creates it), read from the database itself so that what
    # is created again is exactly what the migrations made.
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE t.relname = :t AND n.nspname = current_schema() "
                "AND NOT x.indisunique AND NOT x.indisprimary"
            ),
            {"t": table},
        )
    else:
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = :t AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
            ),
            {"t": table},
        )
    return sorted((str(name), str(sql)) for name, sql in rows)


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
