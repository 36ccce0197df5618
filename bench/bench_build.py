"""Benchmark: a dataset build against a bare copy of the posts table to Parquet.

Seeds a network (or reuses one), then runs, each in its own process so that peak memory
is its own:

- floor: the posts table (id, member_id, text) streamed out of the database in chunks
  and written to Parquet by DuckDB — the least any build must do. (DuckDB's sqlite and
  postgres scanners download an extension at run time, so rows travel through Python in
  both cases.)
- build: `consentry datasets build --purpose train-genai` on the same database: the
  consented query over posts, articles, comments and profiles, scrubbing, hashing,
  per-shard dedup and Parquet shards.

Reports seconds, rows per second, peak RSS, and the build's ratio to the floor, as
medians of `--repeat` runs. `--ner on off` runs the build once per setting of the
scrubber's NER stage (CONSENTRY_SCRUB_NER), each beside the same floor; without it the
build runs as the environment configures it. `--before SRC` adds a build by the code of
another source tree (its `src/` folder, e.g. from `git archive` of an earlier commit). `--seed-only` seeds the network into `--data`
and stops, so that a large network can be made ahead of the timed runs.

    python bench/bench_build.py --members 10000 --repeat 3
    python bench/bench_build.py --members 100000 --repeat 1     # about 1,000,000 posts
    python bench/bench_build.py --members 100000 --repeat 1 --ner on off --data DIR
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child_floor(data: Path) -> dict:
    import duckdb
    import pyarrow as pa
    from sqlalchemy import select

    from consentry.config import load_settings
    from consentry.store import open_engine
    from consentry.store.tables import Post

    engine = open_engine(load_settings().database_url)
    out = data / "floor.parquet"
    start = time.perf_counter()
    con = duckdb.connect()
    rows = 0
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.int64()), ("member_id", pa.int64()), ("text", pa.string())])
    with engine.connect() as conn, pq.ParquetWriter(out, schema, compression="zstd") as writer:
        result = conn.execution_options(yield_per=50_000).execute(
            select(Post.id, Post.member_id, Post.text)
        )
        for chunk in result.partitions(50_000):
            batch = pa.Table.from_pylist([dict(r._mapping) for r in chunk], schema=schema)
            con.register("b", batch)
            writer.write_table(con.sql("SELECT * FROM b").to_arrow_table())
            con.unregister("b")
            rows += batch.num_rows
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows}


def child_build(data: Path, shards: int) -> dict:
    from consentry.config import load_settings
    from consentry.datasets.build import build_dataset
    from consentry.store import open_engine

    settings = load_settings()
    engine = open_engine(settings.database_url)
    scrubbed = _count_scrubbing()
    start = time.perf_counter()
    result = build_dataset(engine, settings, purpose="train-genai", shards=shards)
    seconds = time.perf_counter() - start
    return {
        "scrubber": dict(scrubbed),
        "seconds": seconds,
        "rows": result.counts["records"],
        "eligible": result.counts["eligible_items"],
        # What the build says about its scrubbing, where it says anything (texts scrubbed,
        # texts the cheap gates sent on to the NER stage, ...): every numeric count.
        "counts": {k: v for k, v in result.counts.items() if isinstance(v, int | float)},
    }


def _count_scrubbing():
    """A counter that adds up every scrubber's `stats` (texts scrubbed, texts sent to the
    NER stage) over the batches a build scrubs; empty for a scrubber that keeps none."""
    from collections import Counter

    from consentry.datasets.scrub.scrubber import Scrubber

    total: Counter = Counter()
    scrub_batch = Scrubber.scrub_batch

    def counted(self, *args, **kwargs):
        before = Counter(getattr(self, "stats", {}))
        out = scrub_batch(self, *args, **kwargs)
        total.update(Counter(getattr(self, "stats", {})) - before)
        return out

    Scrubber.scrub_batch = counted  # type: ignore[method-assign]
    return total


def run_child(kind: str, data: Path, shards: int, ner: str | None = None, src=None) -> dict:
    env = {**os.environ, "CONSENTRY_DATA_DIR": str(data)}
    if ner is not None:
        env["CONSENTRY_SCRUB_NER"] = ner
    if src is not None:  # another source tree's consentry (`--before`)
        env["PYTHONPATH"] = str(Path(src).resolve())
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--data", str(data), "--shards", str(shards)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed(data: Path, members: int) -> dict:
    env = {**os.environ, "CONSENTRY_DATA_DIR": str(data)}
    cli = [sys.executable, "-c", "from consentry.cli import main; raise SystemExit(main())"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        [*cli, "seed", "--members", str(members), "--seed", "7", "--reset"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*cli, "consent", "seed", "--seed", "7"], env=env, check=True, capture_output=True
    )
    return {"seed_seconds": time.perf_counter() - start}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--child", choices=["floor", "build"])
    ap.add_argument("--ner", nargs="+", choices=["on", "off"], help="CONSENTRY_SCRUB_NER per build")
    ap.add_argument("--before", type=Path, help="also build with this source tree's src/")
    ap.add_argument(
        "--seed-only", action="store_true", help="seed the network into --data, then stop"
    )
    args = ap.parse_args()
    if args.child:
        fn = child_floor if args.child == "floor" else lambda d: child_build(d, args.shards)
        result = fn(args.data)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    data = args.data or Path(tempfile.mkdtemp(prefix="consentry-bench-build-"))
    if not (data / "consentry.db").exists():
        print(f"seeding {args.members:,} members into {data} ...", flush=True)
        print(seed(data, args.members), flush=True)
    if args.seed_only:
        print(f"seeded {data}")
        return
    settings: list[str | None] = [*(args.ner or [None])] + (["before"] if args.before else [])
    floors: list[dict] = []
    builds: dict[str | None, list[dict]] = {ner: [] for ner in settings}
    for _ in range(args.repeat):
        for ner in settings:  # each build beside a floor of its own, so load hits both alike
            floors.append(run_child("floor", data, args.shards))
            if ner == "before":
                builds[ner].append(run_child("build", data, args.shards, src=args.before))
            else:
                builds[ner].append(run_child("build", data, args.shards, ner))
    f = statistics.median(r["seconds"] for r in floors)
    print(f"machine: {os.cpu_count()} CPUs; members {args.members:,}; shards {args.shards}")
    print(f"| step | seconds (median of {args.repeat}) | rows | rows/s | peak RSS MB | x floor |")
    print("|---|---:|---:|---:|---:|---:|")
    fr = floors[0]["rows"]
    print(
        f"| floor: posts to Parquet | {f:.2f} | {fr:,} | {fr / f:,.0f} | "
        f"{max(r['peak_rss_mb'] for r in floors):.0f} | 1.0 |"
    )
    for ner, runs in builds.items():
        b = statistics.median(r["seconds"] for r in runs)
        br = runs[0]["rows"]
        label = {None: "", "before": f", {args.before}"}.get(ner, f", NER {ner}")
        print(
            f"| build train-genai{label} ({runs[0]['eligible']:,} eligible items) | {b:.2f} | "
            f"{br:,} | {br / b:,.0f} | {max(r['peak_rss_mb'] for r in runs):.0f} | {b / f:.1f} |"
        )
    print("floors (s): " + ", ".join(f"{r['seconds']:.2f}" for r in floors))
    for ner, runs in builds.items():
        print(f"build counts (NER {ner or 'as configured'}): {json.dumps(runs[0]['counts'])}")
        scrubbed = runs[0]["scrubber"]
        if scrubbed.get("texts"):
            share = scrubbed.get("ner_texts", 0) / scrubbed["texts"]
            print(f"texts the gates sent to NER (NER {ner or 'as configured'}): "
                  f"{scrubbed.get('ner_texts', 0):,} of {scrubbed['texts']:,} ({100 * share:.1f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
