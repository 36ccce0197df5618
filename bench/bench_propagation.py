"""Benchmark: the time from a member's request to their receipt, against a full rebuild.

For S shards, on a generated network (SQLite, DuckDB engine): build the train-genai and
train-ai datasets with S shards and train every built-in model (skills, phrasing, match,
retrieval) — that is the full rebuild + retrain, timed three times on fresh copies. Then,
on one of those copies, three members present in both datasets are erased (the widest
propagation: every dataset and every model) and, separately, three withdraw train-genai;
each request is timed from the call that records it to the receipt being stored. After
each receipt the bench checks that every dataset that held the member has an active
successor whose lineage and Parquet files lack the member's records (it stops if not),
and prints one `successor check:` line per dataset on stderr.

    python bench/bench_propagation.py --members 3000 --shards 1 4 16
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from consentry.config import Settings
from consentry.consent.ledger import sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import get_dataset
from consentry.rights.erasure import erase
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store import migrate, open_engine
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.synthetic.choices import seed_choices
from consentry.synthetic.generate import generate_network
from consentry.training.sisa import train_feature

FEATURES = ("skills", "phrasing", "match", "retrieval")


def settings_at(folder: Path) -> Settings:
    return Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'consentry.db'}")


def seed_template(folder: Path, members: int) -> None:
    cfg = settings_at(folder)
    engine = sealed(open_engine(cfg.database_url), ledger_key(cfg))
    migrate(engine)
    with session_scope(engine) as session:
        ensure_default_policy(session, cfg)
    generate_network(engine, members=members, seed=11)
    seed_choices(engine, seed=11)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def full_rebuild(template: Path, folder: Path, shards: int) -> tuple[float, dict[str, str]]:
    """Copy the seeded network, build both datasets and train every model; seconds."""
    shutil.copytree(template, folder)
    cfg = settings_at(folder)
    engine = sealed(open_engine(cfg.database_url), ledger_key(cfg))
    started = time.perf_counter()
    ids = {
        p: build_dataset(engine, cfg, purpose=p, shards=shards).dataset_id
        for p in ("train-genai", "train-ai")
    }
    for feature in FEATURES:
        train_feature(engine, cfg, feature)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, ids


def members_in_both(engine, ids: dict[str, str]) -> list[int]:
    with session_scope(engine) as s:
        sets = [
            set(
                s.scalars(
                    select(DatasetLineageRow.member_id).where(DatasetLineageRow.dataset_id == d)
                )
            )
            for d in ids.values()
        ]
    return sorted(sets[0] & sets[1])


def holding(engine, member: int, purpose: str | None) -> dict[str, tuple[str, set[str]]]:
    """purpose -> (active dataset, the member's record ids in it), for every active dataset
    of `purpose` (of any purpose when None) that holds the member."""
    with session_scope(engine) as s:
        query = select(DatasetVersionRow.id, DatasetVersionRow.purpose).where(
            DatasetVersionRow.status == DatasetStatus.ACTIVE
        )
        held = {}
        for dataset_id, of in s.execute(query).all():
            if purpose is not None and of != purpose:
                continue
            ids = set(
                s.scalars(
                    select(DatasetLineageRow.record_id).where(
                        DatasetLineageRow.dataset_id == dataset_id,
                        DatasetLineageRow.member_id == member,
                    )
                )
            )
            if ids:
                held[of] = (dataset_id, ids)
    return held


def check_successors(
    engine, cfg: Settings, member: int, before: dict[str, tuple[str, set[str]]]
) -> None:
    """Every dataset that held the member has an active successor without the member: no
    lineage row, and none of the member's record ids in its files."""
    after = holding(engine, member, None)
    with session_scope(engine) as s:
        for purpose, (parent, records) in before.items():
            assert purpose not in after, f"{purpose}: the member is still in {after[purpose][0]}"
            successor = s.scalar(
                select(DatasetVersionRow.id).where(
                    DatasetVersionRow.purpose == purpose,
                    DatasetVersionRow.status == DatasetStatus.ACTIVE,
                )
            )
            assert successor and successor != parent, f"{purpose}: no successor of {parent}"
            files = sorted(
                (get_dataset(s, successor).folder(cfg.data_dir) / "data").glob("*.parquet")
            )
            kept = {
                r for f in files for r in pq.read_table(f, columns=["record_id"])[0].to_pylist()
            }
            assert not (kept & records), f"{purpose}: {successor} still holds the member's records"
            print(
                f"successor check: member {member}, {purpose}: {len(records)} records gone, "
                f"{parent} -> {successor}, {len(kept):,} records kept",
                file=sys.stderr,  # beside the table, not inside it
            )


def time_request(engine, cfg: Settings, member: int, purpose: str | None) -> float:
    """Seconds from recording the erasure (purpose None) or withdrawal to its receipt,
    then checks the successors (not timed)."""
    before = holding(engine, member, purpose)
    assert before, f"member {member} is in no active dataset"
    started = time.perf_counter()
    if purpose is None:
        request = erase(engine, cfg, member, source="api", actor="bench")
    else:
        request = withdraw(engine, cfg, member, purpose, source="api", actor="bench")
    outcome = propagate_now(engine, cfg, request.job_id)
    assert outcome is not None and outcome.status == "done", outcome
    seconds = time.perf_counter() - started
    check_successors(engine, cfg, member, before)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-propagation-"))
    try:
        template = root / "template"
        started = time.perf_counter()
        seed_template(template, args.members)
        print(f"seeded {args.members:,} members in {time.perf_counter() - started:.1f}s")
        print(
            "| S | full rebuild + retrain (s) | erasure -> receipt (s) | ratio "
            "| withdraw train-genai -> receipt (s) | ratio |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for shards in args.shards:
            runs = [
                full_rebuild(template, root / f"s{shards}-{n}", shards) for n in range(args.runs)
            ]
            full = statistics.median(seconds for seconds, _ in runs)
            folder, ids = root / f"s{shards}-{args.runs - 1}", runs[-1][1]
            cfg = settings_at(folder)
            engine = sealed(open_engine(cfg.database_url), ledger_key(cfg))
            people = members_in_both(engine, ids)
            erasures = [time_request(engine, cfg, m, None) for m in people[: args.runs]]
            withdrawals = [
                time_request(engine, cfg, m, "train-genai")
                for m in people[args.runs : 2 * args.runs]
            ]
            engine.dispose()
            e, w = statistics.median(erasures), statistics.median(withdrawals)
            print(
                f"| {shards} | {full:.2f} | {e:.2f} | {e / full:.2f} | {w:.2f} | {w / full:.2f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
