"""Benchmark: batch consent decisions (`decide_all`) for N members, SQLite and PostgreSQL.

Members are bulk-written (COPY on PostgreSQL, one executemany on SQLite; not the network
generator). The ledger gets about one event per member with a real hash chain and real
seals, computed here and bulk-written the same way, after which the current-state table
is rebuilt from it (the set-based statement the migration back-fills with); a last
batch of 1,000 events then goes through `ledger.append`, so the state table is also
exercised by the append path. The tables are then vacuumed and analysed, as autovacuum
would leave them (on PostgreSQL the members' index answers without their rows only once
the visibility map is set).

For each purpose the same run times, as medians of `--runs` runs:
- the GROUP BY over the ledger fetched as Python rows (how `decide_all` ran before the
  current-state table: the baseline),
- the GROUP BY over the ledger fetched as Arrow,
- the current-state table fetched as Arrow (what a build at the head now does),
and checks that the three give the same decisions.

    python bench/bench_decide.py --members 1000000 [--postgres URL] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consentry.config import Settings
from consentry.consent import state
from consentry.consent.decide_arrow import decide_all_arrow
from consentry.consent.decide_batch import decide_all
from consentry.consent.ledger import (
    GENESIS,
    ConsentChange,
    append,
    entry_hash,
    ledger_session,
    sealed,
)
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.policy import load_policy
from consentry.consent.versions import publish
from consentry.store import migrate, open_engine
from consentry.store.engine import session_scope

REGIONS = ["DE", "FR", "GB", "US-CA", "US-TX", "US-NY", "IN", "BR", "CA-QC", "HK", "IT", "ES", "NL"]
PURPOSES = ["train-genai", "train-ai", "recruiter-ai", "share-affiliates"]
EPOCH = datetime(2024, 1, 1)
MEMBER_COLUMNS = (
    "id, handle, first_name, last_name, display_name, email, password_hash, region, "
    "birth_date, role, premium, created_at, updated_at"
)
EVENT_COLUMNS = (
    "seq",
    "member_id",
    "purpose",
    "action",
    "source",
    "policy_version",
    "notice_version",
    "occurred_at",
    "actor",
    "prev_hash",
    "hash",
    "mac",
)
TAIL = 1_000  # events appended through `ledger.append` after the bulk load


def _members(members: int, rng: random.Random) -> list[tuple]:
    return [
        (
            i,
            f"m{i}",
            "A",
            "B",
            "A B",
            f"m{i}@x.test",
            "-",
            rng.choice(REGIONS),
            date(rng.randint(1950, 2012), rng.randint(1, 12), rng.randint(1, 28)),
            "member",
            False,
            EPOCH,
            EPOCH,
        )
        for i in range(1, members + 1)
    ]


def _choice(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.01:
        return "erase", "*"
    return rng.choice(["grant", "grant", "withdraw", "object"]), rng.choice(PURPOSES)


def _events(count: int, members: int, key: bytes, rng: random.Random) -> list[tuple]:
    """`count` sealed, chained ledger rows (seq 1..count), one second apart."""
    rows, prev = [], GENESIS
    for seq in range(1, count + 1):
        action, purpose = _choice(rng)
        fields: dict[str, Any] = {
            "seq": seq,
            "member_id": rng.randint(1, members),
            "purpose": purpose,
            "action": action,
            "source": "import",
            "policy_version": 1,
            "notice_version": 1,
            "occurred_at": EPOCH + timedelta(seconds=seq),
            "actor": "bench",
            "prev_hash": prev,
        }
        prev = entry_hash(**fields)
        mac = hmac.new(key, prev.encode(), hashlib.sha256).hexdigest()
        rows.append((*fields.values(), prev, mac))
    return rows


def _copy(raw, table: str, columns: str, rows: list[tuple]) -> None:
    """COPY rows into a PostgreSQL table as tab-separated text (no value holds a tab)."""
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in r))
        buf.write("\n")
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buf.getvalue())


def _iso(moment: datetime) -> str:
    # The text form SQLAlchemy stores a DateTime in on SQLite (compared as text there).
    return moment.isoformat(sep=" ", timespec="microseconds")


def fill(engine, members: int, key: bytes, seed: int = 1) -> tuple[int, float]:
    """Members and a ledger of about one event per member; returns (events, rebuild s)."""
    rng = random.Random(seed)
    with ledger_session(engine) as session:
        publish(session, load_policy("consent-first"), notice_days=0, at=EPOCH)
    people = _members(members, rng)
    events = _events(members - TAIL, members, key, rng)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            # Without the search index's per-row triggers (migration 0015): they are not
            # what this measures, and they make a million-member COPY take minutes.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            _copy(raw, "members", MEMBER_COLUMNS, people)
            conn.execute(text("SET LOCAL session_replication_role = origin"))
            _copy(raw, "consent_events", ", ".join(EVENT_COLUMNS), events)
        else:
            marks = ", ".join("?" * 13)
            raw.executemany(
                f"INSERT INTO members ({MEMBER_COLUMNS}) VALUES ({marks})",
                [(*m[:8], m[8].isoformat(), *m[9:11], _iso(m[11]), _iso(m[12])) for m in people],
            )
            marks = ", ".join("?" * len(EVENT_COLUMNS))
            raw.executemany(
                f"INSERT INTO consent_events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
                [(*e[:7], _iso(e[7]), *e[8:]) for e in events],
            )
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        state.rebuild(session)
    rebuilt = time.perf_counter() - t0
    when = EPOCH + timedelta(seconds=len(events))
    tail = []
    for _ in range(TAIL):
        when += timedelta(seconds=1)
        action, purpose = _choice(rng)
        m = rng.randint(1, members)
        tail.append(ConsentChange(m, purpose, action, "import", "bench", 1, 1, when))
    with ledger_session(engine) as session:
        append(session, tail)
    # As autovacuum leaves the tables after a bulk load: statistics, and on PostgreSQL the
    # visibility map that lets the members' index answer without reading their rows.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    return len(events) + TAIL, rebuilt


def _sealed(url: str, data_dir: Path):
    """An engine whose ledger appends are sealed, as the commands' are (a key of its own)."""
    settings = Settings(data_dir=data_dir, database_url=url)
    key = ledger_key(settings)
    return sealed(open_engine(url), key), key


def _median(work, runs: int):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(label: str, engine, key: bytes, members: int, runs: int) -> None:
    t0 = time.perf_counter()
    events, rebuilt = fill(engine, members, key)
    filled = time.perf_counter() - t0
    at = EPOCH + timedelta(days=800)
    print(
        f"{label}: {members:,} members, {events:,} ledger events written in {filled:.1f}s "
        f"(state table rebuilt from the ledger in {rebuilt:.1f}s)"
    )
    for purpose in ("train-genai", "share-affiliates"):

        def rows(purpose=purpose):
            with session_scope(engine) as session:
                query = decide_all(session, purpose, as_of_seq=events, at=at, use_state=False)
                return session.execute(query).all()

        def arrow(use_state: bool, purpose=purpose):
            with session_scope(engine) as session:
                return decide_all_arrow(
                    session, purpose, as_of_seq=events, at=at, use_state=use_state
                )

        base, old = _median(rows, runs)
        grouped, via_ledger = _median(lambda: arrow(False), runs)
        current, via_state = _median(lambda: arrow(True), runs)
        assert via_state.equals(via_ledger), "the state table and the ledger disagree"
        assert via_state.column("member_id").to_pylist() == [r.member_id for r in old]
        assert via_state.column("reason_code").to_pylist() == [r.reason_code for r in old]
        allowed = via_state.column("allowed").to_pylist().count(True)
        print(
            f"  decide_all {purpose} ({len(old):,} decisions, {allowed:,} allowed; "
            f"median of {runs}): GROUP BY as rows {base:.2f}s, GROUP BY as Arrow "
            f"{grouped:.2f}s, state table as Arrow {current:.2f}s ({base / current:.1f}x); "
            f"load average {os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine, key = _sealed(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
            migrate(engine)
            run("SQLite", engine, key, args.members, args.runs)
            engine.dispose()
    if args.skip_postgres:
        return
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"consentry_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        keys = Path(tempfile.mkdtemp(prefix="bench-keys-"))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        engine, key = _sealed(url, keys)
        migrate(engine)
        run("PostgreSQL", engine, key, args.members, args.runs)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
