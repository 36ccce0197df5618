"""Benchmark: propagating one member's withdrawal through datasets and models, for S = 1,
4 and 16 shards, as a ratio to a full retrain measured in the same run; and the quality of
S-shard models against the unsharded one.

For each S, on one seeded network (SQLite):
- full: build train-ai and train-genai with S shards, train all four models;
- propagate: a member withdraws both purposes; build_successor for each dataset and
  retrain_successor for each model trained on it (only the member's shard);
- quality: skill hit-rate@5 on held-out consenting profiles (members with id % 5 == 0
  left out of training) and match AUC on pairs from those held-out profiles.
Times are medians of `--repeat` propagations (each a different member).

    python bench/bench_unlearning.py --members 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

FEATURES = ("skills", "phrasing", "match", "retrieval")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shards", type=int, nargs="*", default=[1, 4, 16])
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-unlearning-"))
    os.environ["CONSENTRY_DATA_DIR"] = str(root)
    from consentry.config import load_settings
    from consentry.consent.ledger import sealed
    from consentry.consent.ledger_seal import ledger_key
    from consentry.consent.versions import ensure_default_policy
    from consentry.store import migrate, open_engine
    from consentry.store.engine import session_scope
    from consentry.synthetic.choices import seed_choices
    from consentry.synthetic.generate import generate_network

    settings = load_settings()
    db = sealed(open_engine(settings.database_url), ledger_key(settings))
    migrate(db)
    with session_scope(db) as s:
        ensure_default_policy(s, settings)
    generate_network(db, members=args.members, seed=11)
    seed_choices(db, seed=11)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"members {args.members}"
    )
    print("| S | full build+train s | propagate s (median) | ratio | skill hit@5 | match AUC |")
    print("|---:|---:|---:|---:|---:|---:|")
    for shards in args.shards:
        full, prop, hit, auc = run(db, settings, shards, args.repeat)
        print(f"| {shards} | {full:.2f} | {prop:.2f} | {prop / full:.2f} | {hit:.3f} | {auc:.3f} |")


def run(db, settings, shards: int, repeat: int):
    from consentry.consent.ledger import ledger_session
    from consentry.consent.record import record_choice
    from consentry.datasets.build import build_dataset
    from consentry.datasets.successor import build_successor
    from consentry.store.dataset_tables import DatasetLineageRow
    from consentry.store.engine import session_scope
    from consentry.training.registry import models_trained_on
    from consentry.training.sisa import train_feature

    started = time.perf_counter()
    ids = {
        p: build_dataset(db, settings, purpose=p, shards=shards).dataset_id
        for p in ("train-ai", "train-genai")
    }
    for f in FEATURES:
        train_feature(db, settings, f, seed=1)
    full = time.perf_counter() - started
    hit, auc = quality(db, ids["train-ai"], shards)
    times = []
    for _ in range(repeat):
        with session_scope(db) as s:
            member = s.scalars(
                select(DatasetLineageRow.member_id)
                .where(DatasetLineageRow.dataset_id == ids["train-ai"])
                .order_by(DatasetLineageRow.member_id.desc())
                .limit(1)
            ).one()
        with ledger_session(db) as s:
            for p in ("train-ai", "train-genai"):
                record_choice(s, member, p, "withdraw", source="settings", actor="member")
        t = time.perf_counter()
        for p, parent in list(ids.items()):
            with session_scope(db) as s:
                holds = s.scalar(
                    select(DatasetLineageRow.id)
                    .where(
                        DatasetLineageRow.dataset_id == parent,
                        DatasetLineageRow.member_id == member,
                    )
                    .limit(1)
                )
            if holds is None:
                continue
            succ = build_successor(db, settings, parent, member_ids=(member,), reason="withdraw")
            with session_scope(db) as s:
                models = models_trained_on(s, parent)
            from consentry.training.sisa import retrain_successor

            for m in models:
                retrain_successor(
                    db, settings, m.id, dataset_id=succ.successor_id, shards=succ.rebuilt_shards
                )
            ids[p] = succ.successor_id
        times.append(time.perf_counter() - t)
    return full, statistics.median(times), hit, auc


def quality(db, dataset_id: str, shards: int) -> tuple[float, float]:
    """Skill hit-rate@5 and match AUC of S per-shard sub-models trained on members with
    id % 5 != 0, evaluated on the rest."""
    from consentry.config import load_settings
    from consentry.datasets.catalog import get_dataset
    from consentry.store.dataset_tables import DatasetLineageRow
    from consentry.store.engine import session_scope
    from consentry.training.models import ShardData
    from consentry.training.models.match import KIND as MATCH
    from consentry.training.models.match import candidates_and_targets, features, is_fit
    from consentry.training.models.skills import KIND as SKILLS

    with session_scope(db) as s:
        ds = get_dataset(s, dataset_id)
        member_of = dict(
            s.execute(
                select(DatasetLineageRow.record_id, DatasetLineageRow.member_id).where(
                    DatasetLineageRow.dataset_id == dataset_id
                )
            ).all()
        )
    train_parts, held = [], []
    folder = ds.folder(load_settings().data_dir)
    for f in sorted((folder / "data").glob("*.parquet")):
        recs = pq.read_table(f).to_pylist()
        train_parts.append([r for r in recs if member_of[r["record_id"]] % 5 != 0])
        held += [r for r in recs if member_of[r["record_id"]] % 5 == 0]
    shards_data = [ShardData(i, part, {}) for i, part in enumerate(train_parts)]
    skills = SKILLS.load([SKILLS.train_shard(d, seed=i) for i, d in enumerate(shards_data)])
    match = MATCH.load([MATCH.train_shard(d, seed=i) for i, d in enumerate(shards_data)])
    profiles = [r for r in held if r["data_class"] == "profile" and r["skills"] and r["titles"]]
    hits = [
        bool(set(r["skills"]) & {s for s, _ in skills.suggest(r["titles"], r["industry"])})
        for r in profiles
    ]
    cands, targets = candidates_and_targets(profiles)
    X = np.array(
        [features(c, t) for i, c in enumerate(cands) for j, t in enumerate(targets) if i != j]
    )
    y = np.array(
        [is_fit(c, t) for i, c in enumerate(cands) for j, t in enumerate(targets) if i != j]
    )
    return float(np.mean(hits)), float(roc_auc_score(y, match.probability(X)))


if __name__ == "__main__":
    main()
