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

`--engine duckdb spark` runs the same build on each dataset engine (`--spark-master
local[1] local[2]`: once per Spark master), each beside the same floor. A Spark build's
child starts its session before the clock starts and reports that start-up apart: it is
paid once per process, not per build. `spark-arrow` is Spark reading the driver's Arrow
stream where it would read PostgreSQL through JDBC (its JDBC jar pointed at nothing).

`--database-url URL` benchmarks a PostgreSQL database (any `CONSENTRY_DATABASE_URL`)
instead of the data folder's SQLite file; it is seeded (`seed --reset`) the first time
it is used with `--data`, which records that it was.

    python bench/bench_build.py --members 10000 --repeat 3
    python bench/bench_build.py --members 100000 --repeat 1     # about 1,000,000 posts
    python bench/bench_build.py --members 100000 --repeat 1 --ner on off --data DIR
    python bench/bench_build.py --members 20000 --repeat 3 --engine duckdb spark \
        --spark-master local[1] local[2]
    python bench/bench_build.py --members 20000 --repeat 3 --engine duckdb spark spark-arrow \
        --database-url postgresql+psycopg://postgres@127.0.0.1/bench --data DIR
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


def child_build(data: Path, shards: int, engine_name: str = "duckdb") -> dict:
    from consentry.config import load_settings
    from consentry.datasets.build import build_dataset
    from consentry.datasets.engines import get_engine
    from consentry.store import open_engine

    settings = load_settings()
    engine = open_engine(settings.database_url)
    scrubbed = _count_scrubbing()
    dataset_engine = get_engine("spark" if engine_name == "spark-arrow" else engine_name)
    started = time.perf_counter()
    if hasattr(dataset_engine, "session"):  # Spark: its JVM and session, timed apart
        dataset_engine.session()
    startup = time.perf_counter() - started
    engine_seconds, read = _time_engine(dataset_engine)
    start = time.perf_counter()
    result = build_dataset(
        engine, settings, purpose="train-genai", shards=shards, engine=dataset_engine
    )
    seconds = time.perf_counter() - start
    return {
        "scrubber": dict(scrubbed),
        "startup_seconds": startup,
        "engine_seconds": engine_seconds[0],
        "seconds": seconds,
        "rows": result.counts["records"],
        "eligible": result.counts["eligible_items"],
        "read": read[0],
        # What the build says about its scrubbing, where it says anything (texts scrubbed,
        # texts the cheap gates sent on to the NER stage, ...): every numeric count.
        "counts": {k: v for k, v in result.counts.items() if isinstance(v, int | float)},
    }


def _time_engine(dataset_engine) -> tuple[list[float], list[str]]:
    """Seconds the engine spends on its own work — its whole `write_shards` (or
    `write_shards_from_query`) call less the time spent producing its input (the build's
    query runs lazily, inside the engine's loop over the batches) — and how it read
    ("arrow" or "jdbc"). The engine's work includes making the records — scrubbing, ids,
    hashes — since that moved into the engine; before, it ran in the input. Reading
    through JDBC, the engine's time includes the database's."""
    spent, read, depth = [0.0], ["arrow"], [0]

    def producing(batches):
        it = iter(batches)
        while True:
            start = time.perf_counter()
            try:
                batch = next(it)
            except StopIteration:
                spent[0] -= time.perf_counter() - start
                return
            spent[0] -= time.perf_counter() - start
            yield batch

    def outermost(call):
        # A query call that falls back calls `write_shards`: its time is counted once.
        def timed(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent[0] += time.perf_counter() - start

        return timed

    write = outermost(dataset_engine.write_shards)
    dataset_engine.write_shards = lambda batches, *a, **k: write(producing(batches), *a, **k)
    if hasattr(dataset_engine, "write_shards_from_query"):
        query = outermost(dataset_engine.write_shards_from_query)

        def from_query(*args, **kwargs):
            written = query(*args, **kwargs)
            read[0] = written.read
            return written

        dataset_engine.write_shards_from_query = from_query
    return spent, read


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


def run_child(
    kind: str,
    data: Path,
    shards: int,
    ner: str | None = None,
    src=None,
    engine: str = "duckdb",
    master: str | None = None,
) -> dict:
    env = {**os.environ, "CONSENTRY_DATA_DIR": str(data)}
    if ner is not None:
        env["CONSENTRY_SCRUB_NER"] = ner
    if src is not None:  # another source tree's consentry (`--before`)
        env["PYTHONPATH"] = str(Path(src).resolve())
    if master is not None:
        env["CONSENTRY_SPARK_MASTER"] = master
    if engine == "spark-arrow":  # no JDBC driver: Spark reads the driver's stream
        env["CONSENTRY_SPARK_JDBC_JAR"] = str(data / "no-such-driver.jar")
    args = ["--data", str(data), "--shards", str(shards), "--engine", engine]
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
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
        "--engine",
        nargs="+",
        choices=["duckdb", "spark", "spark-arrow"],
        help="dataset engines to build with",
    )
    ap.add_argument("--database-url", help="a PostgreSQL database to use instead of SQLite")
    ap.add_argument(
        "--spark-master", nargs="+", help="CONSENTRY_SPARK_MASTER per Spark build (local[2])"
    )
    ap.add_argument(
        "--seed-only", action="store_true", help="seed the network into --data, then stop"
    )
    args = ap.parse_args()
    if args.child:
        engine_name = (args.engine or ["duckdb"])[0]
        fn = (
            child_floor
            if args.child == "floor"
            else lambda d: child_build(d, args.shards, engine_name)
        )
        result = fn(args.data)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    data = args.data or Path(tempfile.mkdtemp(prefix="consentry-bench-build-"))
    if args.database_url:  # children and the seeding inherit it
        os.environ["CONSENTRY_DATABASE_URL"] = args.database_url
    marker = data / "seeded-database"
    seeded = (
        marker.exists() and marker.read_text() == args.database_url
        if args.database_url
        else (data / "consentry.db").exists()
    )
    if not seeded:
        print(f"seeding {args.members:,} members into {args.database_url or data} ...", flush=True)
        print(seed(data, args.members), flush=True)
        if args.database_url:
            marker.write_text(args.database_url)
    if args.seed_only:
        print(f"seeded {data}")
        return
    engines: list[tuple[str, str | None]] = []
    for name in args.engine or ["duckdb"]:
        masters = (args.spark_master or [None]) if name.startswith("spark") else [None]
        engines += [(name, master) for master in masters]
    # (NER setting or "before", engine, Spark master) of each build variant.
    variants = [(ner, e, m) for ner in (args.ner or [None]) for e, m in engines]
    variants += [("before", "duckdb", None)] if args.before else []
    floors: list[dict] = []
    builds: dict[tuple, list[dict]] = {v: [] for v in variants}
    for _ in range(args.repeat):
        for v in variants:  # each build beside a floor of its own, so load hits both alike
            ner, eng, master = v
            floors.append(run_child("floor", data, args.shards))
            if ner == "before":
                builds[v].append(run_child("build", data, args.shards, src=args.before))
            else:
                builds[v].append(
                    run_child("build", data, args.shards, ner, engine=eng, master=master)
                )
            last = builds[v][-1]
            print(f"run {v}: {last['seconds']:.2f} s", file=sys.stderr, flush=True)
    f = statistics.median(r["seconds"] for r in floors)
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"machine: {os.cpu_count()} CPUs; {where}; members {args.members:,}; "
        f"shards {args.shards}; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"| step | seconds (median of {args.repeat}) | rows | rows/s | peak RSS MB | x floor "
        "| engine's own s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    fr = floors[0]["rows"]
    print(
        f"| floor: posts to Parquet | {f:.2f} | {fr:,} | {fr / f:,.0f} | "
        f"{max(r['peak_rss_mb'] for r in floors):.0f} | 1.0 | |"
    )
    for (ner, eng, master), runs in builds.items():
        b = statistics.median(r["seconds"] for r in runs)
        own = statistics.median(r.get("engine_seconds", float("nan")) for r in runs)
        br = runs[0]["rows"]
        label = {None: "", "before": f", {args.before}"}.get(ner, f", NER {ner}")
        if args.engine:
            label += f", {eng}" + (f" {master}" if master else "") + f" (read {runs[0]['read']})"
        print(
            f"| build train-genai{label} ({runs[0]['eligible']:,} eligible items) | {b:.2f} | "
            f"{br:,} | {br / b:,.0f} | {max(r['peak_rss_mb'] for r in runs):.0f} | {b / f:.1f} | {own:.2f} |"
        )
    print("floors (s): " + ", ".join(f"{r['seconds']:.2f}" for r in floors))
    for (_ner, eng, master), runs in builds.items():
        if eng.startswith("spark"):
            up = statistics.median(r.get("startup_seconds", 0.0) for r in runs)
            print(f"{eng} {master or 'default master'}: session start-up (not in the build's "
                  f"seconds) median {up:.2f} s; builds (s): "
                  + ", ".join(f"{r['seconds']:.2f}" for r in runs))  # fmt: skip
    for (ner, _eng, _master), runs in builds.items():
        print(f"build counts (NER {ner or 'as configured'}): {json.dumps(runs[0]['counts'])}")
        scrubbed = runs[0]["scrubber"]
        if scrubbed.get("texts"):
            share = scrubbed.get("ner_texts", 0) / scrubbed["texts"]
            print(f"texts the gates sent to NER (NER {ner or 'as configured'}): "
                  f"{scrubbed.get('ner_texts', 0):,} of {scrubbed['texts']:,} ({100 * share:.1f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
