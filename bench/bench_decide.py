"""Benchmark: batch consent decisions (`decide_all`) for N members, SQLite and PostgreSQL.

Members are written with a bare bulk insert (not the network generator), the ledger is
filled through `ledger.append` (about one event per member, plus erasures), and the
one-statement batch decision is timed for each purpose.

    python bench/bench_decide.py --members 1000000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from consentry.config import Settings
from consentry.consent.decide import decide_all
from consentry.consent.ledger import ConsentChange, append, ledger_session, sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.policy import load_policy
from consentry.consent.versions import publish
from consentry.store import migrate, open_engine
from consentry.store.engine import session_scope
from consentry.store.tables import Member

REGIONS = ["DE", "FR", "GB", "US-CA", "US-TX", "US-NY", "IN", "BR", "CA-QC", "HK", "IT", "ES", "NL"]
EPOCH = datetime(2024, 1, 1)


def fill(engine, members: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    with ledger_session(engine) as session:
        publish(session, load_policy("consent-first"), notice_days=0, at=EPOCH)
    chunk = 50_000
    for start in range(1, members + 1, chunk):
        rows = [
            {
                "id": i,
                "handle": f"m{i}",
                "first_name": "A",
                "last_name": "B",
                "display_name": "A B",
                "email": f"m{i}@x.test",
                "password_hash": "-",
                "region": rng.choice(REGIONS),
                "birth_date": date(rng.randint(1950, 2012), rng.randint(1, 12), rng.randint(1, 28)),
                "role": "member",
                "premium": False,
                "created_at": EPOCH,
                "updated_at": EPOCH,
            }
            for i in range(start, min(start + chunk, members + 1))
        ]
        with session_scope(engine) as session:
            session.execute(insert(Member), rows)
    events = []
    when = EPOCH
    purposes = ["train-genai", "train-ai", "recruiter-ai", "share-affiliates"]
    for _ in range(members):
        when += timedelta(seconds=1)
        m = rng.randint(1, members)
        r = rng.random()
        action, purpose = (
            ("erase", "*")
            if r < 0.01
            else (rng.choice(["grant", "grant", "withdraw", "object"]), rng.choice(purposes))
        )
        events.append(ConsentChange(m, purpose, action, "import", "bench", 1, 1, when))
    for start in range(0, len(events), chunk):
        with ledger_session(engine) as session:
            append(session, events[start : start + chunk])
    return len(events)


def _sealed(url: str, data_dir: Path):
    """An engine whose ledger appends are sealed, as the commands' are (a key of its own)."""
    settings = Settings(data_dir=data_dir, database_url=url)
    return sealed(open_engine(url), ledger_key(settings))


def run(label: str, engine, members: int) -> None:
    t0 = time.perf_counter()
    events = fill(engine, members)
    filled = time.perf_counter() - t0
    at = EPOCH + timedelta(days=800)
    print(f"{label}: {members:,} members, {events:,} ledger events written in {filled:.1f}s")
    for purpose in ("train-genai", "share-affiliates"):
        with session_scope(engine) as session:
            t0 = time.perf_counter()
            rows = session.execute(decide_all(session, purpose, as_of_seq=events, at=at)).all()
            took = time.perf_counter() - t0
        allowed = sum(1 for r in rows if r.allowed)
        print(
            f"  decide_all {purpose}: {len(rows):,} decisions in {took:.2f}s "
            f"({len(rows) / took:,.0f}/s), {allowed:,} allowed"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = _sealed(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
        migrate(engine)
        run("SQLite", engine, args.members)
        engine.dispose()
    if args.skip_postgres:
        return
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"consentry_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        keys = Path(tempfile.mkdtemp(prefix="bench-keys-"))
        engine = _sealed(
            make_url(args.postgres).set(database=name).render_as_string(hide_password=False), keys
        )
        migrate(engine)
        run("PostgreSQL", engine, args.members)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
