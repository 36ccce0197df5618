"""Benchmark: the time from a member's request to their receipt, against a full rebuild.

For S shards, on a generated network (SQLite, DuckDB engine): build the train-genai and
train-ai datasets with S shards and train every built-in model (skills, phrasing, match,
retrieval) — that is the full rebuild + retrain, timed three times on fresh copies. Then,
on one of those copies, three members present in both datasets are erased (the widest
propagation: every dataset and every model) and, separately, three withdraw train-genai;
each request is timed from the call that records it to the receipt being stored.

    python bench/bench_propagation.py --members 3000 --shards 1 4 16
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from consentry.config import Settings
from consentry.consent.ledger import sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.rights.erasure import erase
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store import migrate, open_engine
from consentry.store.dataset_tables import DatasetLineageRow
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


def time_request(engine, cfg: Settings, member: int, purpose: str | None) -> float:
    """Seconds from recording the erasure (purpose None) or withdrawal to its receipt."""
    started = time.perf_counter()
    if purpose is None:
        request = erase(engine, cfg, member, source="api", actor="bench")
    else:
        request = withdraw(engine, cfg, member, purpose, source="api", actor="bench")
    outcome = propagate_now(engine, cfg, request.job_id)
    assert outcome is not None and outcome.status == "done", outcome
    return time.perf_counter() - started


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
