"""Benchmark: the writer LM's per-shard LoRA adapters — training time per shard and the
quality effect (held-out perplexity, base vs adapted, on consenting members' texts).

On one seeded network (SQLite): build `train-genai` with S shards, train the `writer-lm`
kind through the SISA runner (one adapter per shard, timed per shard), then score the
shards' held-out texts (one record in ten, never trained on) under the base model and
under the merged model (the mean of the adapters' deltas), and also each shard's own
adapter alone on its own held-out texts.

    CONSENTRY_MODEL_CACHE=... python bench/bench_adapters.py --members 3000 --shards 4
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=3000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--held-out", type=int, default=200, help="held-out texts scored, at most")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-adapters-"))
    os.environ["CONSENTRY_DATA_DIR"] = str(root)
    from consentry.config import load_settings
    from consentry.consent.ledger import sealed
    from consentry.consent.ledger_seal import ledger_key
    from consentry.consent.versions import ensure_default_policy
    from consentry.datasets.build import build_dataset
    from consentry.datasets.catalog import get_dataset
    from consentry.genai.adapters import merge, perplexity
    from consentry.genai.base import load_base
    from consentry.store import migrate, open_engine
    from consentry.store.engine import session_scope
    from consentry.synthetic.choices import seed_choices
    from consentry.synthetic.generate import generate_network
    from consentry.training.models.adapter import KIND, split
    from consentry.training.sisa import read_shard, shard_seed

    settings = load_settings()
    db = sealed(open_engine(settings.database_url), ledger_key(settings))
    migrate(db)
    with session_scope(db) as s:
        ensure_default_policy(s, settings)
    generate_network(db, members=args.members, seed=11)
    seed_choices(db, seed=11)
    dataset = build_dataset(db, settings, purpose="train-genai", shards=args.shards)
    base = load_base()
    with session_scope(db) as s:
        ds = get_dataset(s, dataset.dataset_id)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"device {base.device}; members {args.members}; train-genai: {ds.records} "
        f"records of {ds.members} members, {args.shards} shards; budget {KIND.budget}"
    )
    seconds, held, own = [], [], []
    blobs = []
    with session_scope(db) as s:
        for shard in range(args.shards):
            data, _ = read_shard(s, settings.data_dir, ds, shard)
            texts = split(data, KIND.budget)
            started = time.perf_counter()
            blob = KIND.train_shard(data, seed=shard_seed(0, shard))
            seconds.append(time.perf_counter() - started)
            blobs.append(blob)
            held.append(texts.held_out)
            print(
                f"shard {shard}: {len(data.records)} records, trained on {len(texts.train)} "
                f"texts in {seconds[-1]:.1f} s; {len(texts.held_out)} held out"
            )
    writer = KIND.load(blobs)
    # The held-out texts of all shards, interleaved so a cap keeps every shard's share.
    pool = [t for group in zip(*held, strict=False) for t in group][: args.held_out]
    base_ppl = perplexity(base.tokenizer, base.model, pool)
    merged_ppl = perplexity(base.tokenizer, writer.model, pool)
    for shard in range(args.shards):
        alone = merge(base, [writer.adapters[shard]])
        texts = held[shard][: max(1, args.held_out // args.shards)]
        own.append(
            (
                perplexity(base.tokenizer, base.model, texts),
                perplexity(base.tokenizer, alone, texts),
            )
        )
        del alone
    print(f"training s per shard: median {statistics.median(seconds):.1f}, max {max(seconds):.1f}")
    print(f"held-out perplexity on {len(pool)} texts: base {base_ppl:.2f}, merged {merged_ppl:.2f}")
    for shard, (b, a) in enumerate(own):
        print(f"shard {shard} alone on its own held-out texts: base {b:.2f}, adapter {a:.2f}")


if __name__ == "__main__":
    main()
