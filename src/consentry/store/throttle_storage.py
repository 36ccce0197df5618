"""A `limits` storage backend over our database, so every server process shares counters.

`limits` (the rate-limiting library the log-in throttle uses) keeps its counters in a
`Storage`; it ships Redis, Memcached, MongoDB and in-memory ones, none over SQL. This one
keeps each counter as a row of `throttle_counters` and supports the fixed-window strategy
(`limits.strategies.FixedWindowRateLimiter`), which needs only `incr`, `get` and
`get_expiry`.

`incr` is one statement, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING count`, on both
SQLite and PostgreSQL: the database serialises concurrent increments of one key, so 40
requests racing for a limit of 5 get counts 1 to 40 and exactly 5 of them are let
through. A window that has run out is restarted by the same statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from limits.storage import Storage
from sqlalchemy import Engine, Table, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from consentry.store.access_tables import ThrottleCounter

# Every this many increments (per process), counters whose window ended are deleted.
SWEEP_EVERY = 256
_T = cast(Table, ThrottleCounter.__table__)


class SqlStorage(Storage):
    """Fixed-window counters in the `throttle_counters` table of `engine`."""

    STORAGE_SCHEME = None  # built directly over an engine, never from a URI

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time):
        super().__init__(wrap_exceptions=False)
        self.engine = engine
        self._clock = clock
        self._writes = 0
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to `key`'s counter (a fresh window of `expiry` seconds when there
        is none or it has run out); the new count, atomically."""
        now = self._clock()
        insert = self._insert(_T).values(key=key, count=amount, expires_at=now + expiry)
        ended = _T.c.expires_at <= now
        upsert = insert.on_conflict_do_update(
            index_elements=[_T.c.key],
            set_={
                # Both read the row as it was: a window that ended restarts at `amount`.
                "count": case((ended, amount), else_=_T.c.count + amount),
                "expires_at": case((ended, now + expiry), else_=_T.c.expires_at),
            },
        ).returning(_T.c.count)
        with self.engine.begin() as conn:
            count = int(conn.execute(upsert).scalar_one())
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:  # keeps the table to the live windows
            self.sweep()
        return count

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.scalar(
                select(_T.c.count).where(_T.c.key == key, _T.c.expires_at > self._clock())
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When `key`'s window ends (Unix seconds); now when it has none."""
        now = self._clock()
        with self.engine.connect() as conn:
            ends = conn.scalar(select(_T.c.expires_at).where(_T.c.key == key))
        return float(ends) if ends is not None and ends > now else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.scalar(select(func.count()).select_from(_T))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return int(conn.execute(delete(_T)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_T).where(_T.c.key == key))

    def sweep(self) -> int:
        """Delete counters whose window has ended; returns how many."""
        with self.engine.begin() as conn:
            return int(conn.execute(delete(_T).where(_T.c.expires_at <= self._clock())).rowcount)
