"""Engines and sessions for the embedded default (SQLite) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Integer, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from consentry.errors import NotFound

T = TypeVar("T")


def utcnow() -> datetime:
    """The current time as a naive UTC datetime: the one form stored in every table.

    Naive UTC keeps SQLite (text) and PostgreSQL (timestamp) comparisons identical.
    """
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    # A generous busy timeout makes concurrent writers wait instead of failing.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # pysqlite's own transaction handling defers BEGIN; we issue it ourselves so that a
    # writer that must not interleave (the ledger) can ask for BEGIN IMMEDIATE through
    # `immediate(engine)`: it takes SQLite's write lock up front instead of failing to
    # upgrade a read lock later.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def open_engine(url: str, **kwargs) -> Engine:
    """Create an engine for `url`, configured the way Consentry needs it.

    SQLite: the parent folder is created, WAL and foreign keys are switched on, and
    transactions are explicit so that `BEGIN IMMEDIATE` can serialise writers.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_tx(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def pool_options(threads: int) -> dict[str, int]:
    """Connection-pool settings for a server running `threads` requests at once.

    A request can hold two connections at a time (who is asking, read apart, then its
    own unit of work or a ledger append), so the pool holds a connection per thread and
    may grow to two per thread, plus a few for start-up and the throttle; a request
    therefore never waits for a connection another request will not give back.
    SQLAlchemy's default (5, overflow 10) is far smaller than a 40-thread server.
    """
    return {"pool_size": threads + 2, "max_overflow": threads + 2, "pool_timeout": 60}


def immediate(engine: Engine) -> Engine:
    """`engine`, but every transaction begun through it takes the write lock at once.

    On SQLite this is `BEGIN IMMEDIATE`; on PostgreSQL the option is ignored (use row or
    advisory locks there).
    """
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine` (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def get_row(session: Session, model: type[T], key: Any) -> T:
    """The `model` row whose primary key is `key`, for a caller that knows it exists.

    Raises `NotFound` naming the table and key when it does not, instead of letting a
    `None` travel on to fail later with an attribute error.
    """
    row = session.get(model, key)
    if row is None:
        table = getattr(model, "__tablename__", model.__name__)
        raise NotFound(f"no {table} row with id {key!r}")
    return row


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any exception."""
    session = sessions(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def advance_id_sequences(conn: Connection) -> None:
    """After rows were written with explicit integer ids, move every PostgreSQL id sequence
    past the largest id, so that later inserts without an id do not collide.

    SQLite needs nothing: its INTEGER PRIMARY KEY always continues after the largest id.
    """
    if conn.dialect.name != "postgresql":
        return
    from consentry.store.tables import Base

    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].autoincrement is False:
            continue
        seq = conn.exec_driver_sql(
            f"SELECT pg_get_serial_sequence('{table.name}', '{pk[0].name}')"
        ).scalar()
        if seq:
            conn.exec_driver_sql(
                f"SELECT setval('{seq}', COALESCE(MAX({pk[0].name}), 1), MAX({pk[0].name}) IS NOT NULL) "
                f"FROM {table.name}"
            )
