"""Benchmark: the synthetic network generator on SQLite (and PostgreSQL when reachable).

    .venv/bin/python bench/bench_generate.py                 # 10,000 members, median of 3
    .venv/bin/python bench/bench_generate.py --members 100000 --runs 1
    .venv/bin/python bench/bench_generate.py --no-postgres
    .venv/bin/python bench/bench_generate.py --members 20000 --runs 1 --before /tmp/old/src

For each backend it reports rows/s per stage and overall, the peak resident memory of
the process (each run is a fresh child process, so peaks do not mix), and a baseline
measured in the same child: the generator's own bulk writer (`BulkSink`) writing the same
number of rows, of about the same width, into an unindexed scratch table. The ratio
generator/baseline says how much of the time goes to composing the network rather than
to the database. `--before SRC` also runs the generator of another source tree (its
`src/` folder), alternating with this one's, so both see the same load.

Last, two Markdown tables: one row per backend and code (seconds, rows/s, baseline,
ratio, peak memory) and the rows written per table, which `bench/run.py` checks against
what was asked.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get(
    "CONSENTRY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:  # pragma: no cover - not Linux
        mem = "unknown memory"
    return f"{os.cpu_count()} CPUs, {mem}, {cpu}, Python {platform.python_version()}"


# --- one measured run, in a child process -------------------------------------------------


def _child(url: str, members: int, seed: int) -> dict:
    from consentry.store import migrate, open_engine
    from consentry.synthetic.generate import generate_network

    engine = open_engine(url)
    migrate(engine)
    stats = generate_network(engine, members=members, seed=seed)
    rows = stats.rows
    baseline = _baseline(engine, rows)
    engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "elapsed": stats.elapsed,
        "counts": stats.counts,
        "stages": stats.stages,
        "rows": rows,
        "baseline_s": baseline,
        "peak_mb": peak_kb / 1024,
    }


def _baseline(engine, rows: int) -> float:
    """Seconds for the generator's own bulk writer to write `rows` rows (id, int, short
    text, long text, timestamp) into a scratch table without secondary indexes, one
    transaction: the floor the generator's writes sit on."""
    from datetime import datetime

    from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text

    from consentry.synthetic.bulk import BulkSink

    meta = MetaData()
    scratch = Table(
        f"bench_scratch_{uuid.uuid4().hex[:8]}",
        meta,
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer),
        Column("kind", Text),
        Column("body", Text),
        Column("created_at", DateTime),
    )
    meta.create_all(engine)
    body = "A sentence of about the width of a short post, repeated. " * 3
    now = datetime(2025, 1, 1)
    began = time.perf_counter()
    with engine.begin() as conn:
        sink = BulkSink(conn)
        for i in range(rows):
            sink.add(scratch, (i, i % 997, "post", body, now))
        sink.flush(scratch)
    elapsed = time.perf_counter() - began
    meta.drop_all(engine)
    return elapsed


def run_once(url: str, members: int, seed: int, src: Path | None = None) -> dict:
    env = dict(os.environ)
    if src is not None:  # another source tree's consentry (`--before`)
        env["PYTHONPATH"] = str(src.resolve())
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, str(members), str(seed)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- backends --------------------------------------------------------------------------------


def sqlite_url(folder: Path, n: int) -> str:
    return f"sqlite:///{folder / f'bench-{n}.db'}"


def postgres_db() -> tuple[str, str] | None:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"consentry_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipped")
        return None
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_postgres(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def report(backend: str, results: list[dict]) -> dict:
    """Print one backend's figures; return its summary row for the closing tables."""
    best = sorted(results, key=lambda r: r["elapsed"])[len(results) // 2]  # the median run
    elapsed = statistics.median(r["elapsed"] for r in results)
    baseline = statistics.median(r["baseline_s"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    print(
        f"\n{backend}: {best['rows']:,} rows, median {elapsed:.1f} s over {len(results)} run(s), "
        f"{best['rows'] / elapsed:,.0f} rows/s, peak RSS {peak:,.0f} MB"
    )
    print(
        f"  baseline bulk write of {best['rows']:,} rows: {baseline:.1f} s "
        f"({best['rows'] / baseline:,.0f} rows/s); generator/baseline = {elapsed / baseline:.1f}x"
    )
    print(f"  {'stage':<14}{'seconds':>10}{'rows':>12}{'rows/s':>12}")
    for stage, (seconds, rows) in best["stages"].items():
        rate = f"{rows / seconds:,.0f}" if rows and seconds else "-"
        print(f"  {stage:<14}{seconds:>10.2f}{rows:>12,}{rate:>12}")
    print("  rows per table: " + ", ".join(f"{t} {c:,}" for t, c in best["counts"].items()))
    return {
        "backend": backend,
        "seconds": elapsed,
        "rows": best["rows"],
        "baseline": baseline,
        "peak": peak,
        "counts": best["counts"],
    }


def closing_tables(summaries: list[dict], members: int, runs: int) -> None:
    print(
        f"\n| backend, code | members asked | rows | seconds (median of {runs}) | rows/s "
        "| baseline bulk write (s) | generator/baseline | peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in summaries:
        print(
            f"| {r['backend']} | {members} | {r['rows']} | {r['seconds']:.2f} | "
            f"{r['rows'] / r['seconds']:.0f} | {r['baseline']:.2f} | "
            f"{r['seconds'] / r['baseline']:.2f} | {r['peak']:.0f} |"
        )
    tables = list(summaries[0]["counts"]) if summaries else []
    print("\n| backend, code | " + " | ".join(tables) + " |")
    print("|---|" + "---:|" * len(tables))
    for r in summaries:
        print(f"| {r['backend']} | " + " | ".join(str(r["counts"][t]) for t in tables) + " |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, members, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(_child(url, members, seed)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--before", type=Path, help="also run this source tree's src/")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"command: {' '.join(['python', *sys.argv])}")
    codes: list[tuple[str, Path | None]] = [("this", None)]
    codes += [("before", args.before)] if args.before else []
    summaries = []
    with tempfile.TemporaryDirectory() as tmp:
        results: dict[str, list[dict]] = {code: [] for code, _ in codes}
        for n in range(args.runs):
            for code, src in codes:  # alternating, so both codes see the same load
                url = sqlite_url(Path(tmp), n)
                results[code].append(run_once(url, args.members, args.seed, src))
                Path(url.split("///", 1)[1]).unlink()
        for code, _ in codes:
            summaries.append(report(f"SQLite, {code}", results[code]))
    if not args.no_postgres:
        results = {code: [] for code, _ in codes}
        for _ in range(args.runs):
            for code, src in codes:
                db = postgres_db()
                if db is None:
                    break
                try:
                    results[code].append(run_once(db[1], args.members, args.seed, src))
                finally:
                    drop_postgres(db[0])
        for code, _ in codes:
            if results[code]:
                summaries.append(report(f"PostgreSQL, {code}", results[code]))
    closing_tables(summaries, args.members, args.runs)


if __name__ == "__main__":
    main()
