"""The benchmark scenarios of `bench/run.py`: each bench's arguments per scale and how its
output is read and checked.

A fast wrong answer must not pass, so every scenario's output is checked, not only its
exit status:

- generate: the rows written per table are what was asked (members + the demo accounts,
  one profile each, `CONNECTIONS_PER_MEMBER / 2` connections and `MESSAGES_PER_MEMBER`
  messages per member, one job per `MEMBERS_PER_JOB`, posts near `POSTS_PER_MEMBER`), the
  same on SQLite and PostgreSQL and for the code before and after when both ran;
- build: for every version built (DuckDB and Spark), the files on disk have the sha256 and
  row counts the manifest records, the records plus the duplicates dropped are the
  consented selection's count, the DuckDB and Spark builds of the same network have
  identical shard sha256s, and `consentry datasets audit` (which re-derives every record
  without the build's code) passes for the first version;
- decide: the three paths (GROUP BY as rows, GROUP BY as Arrow, state table as Arrow)
  agree (the bench stops if not) and decide for every member;
- propagation: every successor lacks the withdrawn or erased member (the bench checks
  lineage and files and prints one line per successor);
- unlearning: the sharded models still learn something (match AUC above 0.5);
- scrub: recall above a floor and false positives on clean text below a ceiling (a
  scrubber that does nothing is fast);
- load: no 5xx and every check of the bench passed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from outputs import Figure, Outcome, Scenario, cell, number, option, table_with, tables


def generate_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": ["--members", "1000", "--runs", "1"],
        "large": ["--members", "1000000", "--runs", "1"],
    }[scale]


def generate_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    from consentry.synthetic import activity
    from consentry.synthetic.demo import DEMO_ACCOUNTS

    asked = int(option(args, "--members")[0])
    members = asked + len(DEMO_ACCOUNTS)
    summary = table_with(output, "generator/baseline")
    counts = table_with(output, "planted_pii")
    out.check("a run per backend", len(summary) >= 1 and len(counts) == len(summary))
    expected = {
        "members": members,
        "profiles": members,
        "connections": members * activity.CONNECTIONS_PER_MEMBER // 2,
        "messages": members * activity.MESSAGES_PER_MEMBER,
        "jobs": activity.job_count(members),
    }
    first = {k: v for k, v in counts[0].items() if not k.startswith("backend")}
    for row, totals in zip(summary, counts, strict=True):
        label = cell(row, "backend")
        written = {k: int(number(v)) for k, v in totals.items() if not k.startswith("backend")}
        for table, want in expected.items():
            out.check(f"{label}: {table} = {want:,}", written[table] == want)
        posts = written["posts"] / members
        out.check(
            f"{label}: posts per member {posts:.1f} near {activity.POSTS_PER_MEMBER}",
            0.7 * activity.POSTS_PER_MEMBER <= posts <= 1.3 * activity.POSTS_PER_MEMBER,
        )
        out.check(
            f"{label}: rows = the tables' sum",
            int(number(cell(row, "rows"))) == sum(written.values()),
        )
        out.check(
            f"{label}: same rows per table as {cell(summary[0], 'backend')}",
            {k: v for k, v in totals.items() if not k.startswith("backend")} == first,
        )
        rows_per_s = number(cell(row, "rows/s"))
        seconds = number(cell(row, "seconds"))
        out.figures.append(
            Figure(
                f"generate {asked:,} members, {label} (rows/s {rows_per_s:,.0f})",
                seconds,
                "s",
                "bulk write of as many rows",
                number(cell(row, "baseline")),
            )
        )


def build_args(scale: str, work: Path) -> list[str]:
    # About ten posts per member: 5,000 posts small, 1,000,000 large.
    members = {"small": "500", "large": "100000"}[scale]
    repeat = {"small": "1", "large": "3"}[scale]
    return [
        "--members",
        members,
        "--repeat",
        repeat,
        "--engine",
        "duckdb",
        "spark",
        "--data",
        str(work / "build"),
    ]


def build_10m_args(scale: str, work: Path) -> list[str] | None:
    # 10,000,000 posts: large only (the seed alone takes hours on two cores).
    if scale != "large":
        return None
    return [
        "--members",
        "1000000",
        "--repeat",
        "1",
        "--engine",
        "duckdb",
        "spark",
        "--data",
        str(work / "build"),
    ]


def build_read(output: str, work: Path, args: list[str], out: Outcome) -> None:
    import hashlib

    import pyarrow.parquet as pq

    rows = table_with(output, "step")
    floor = next(r for r in rows if cell(r, "step").startswith("floor"))
    floor_s = number(cell(floor, "seconds"))
    builds = [r for r in rows if cell(r, "step").startswith("build")]
    out.check("a build per engine", len(builds) == len(option(args, "--engine")))
    for row in builds:
        label = cell(row, "step").split("(")[0].strip()
        out.figures.append(
            Figure(
                f"{label}, {int(number(cell(row, 'rows'))):,} records (peak "
                f"{number(cell(row, 'peak')):,.0f} MB)",
                number(cell(row, "seconds")),
                "s",
                "bare copy of the posts to Parquet",
                floor_s,
            )
        )
    manifests = sorted((work / "build" / "datasets").glob("*/manifest.json"))
    out.check("every build published a manifest", len(manifests) >= len(builds))
    printed = {int(number(cell(r, "rows"))) for r in builds}
    shards_by_engine: dict[str, set[tuple[tuple[int, str], ...]]] = {}
    for path in manifests:
        manifest = json.loads(path.read_text())
        engine, counts = manifest["engine"]["name"], manifest["counts"]
        files = manifest["files"]
        on_disk = all(
            hashlib.sha256((path.parent / f["file"]).read_bytes()).hexdigest() == f["sha256"]
            and pq.ParquetFile(path.parent / f["file"]).metadata.num_rows == f["rows"]
            for f in files
        )
        out.check(f"{engine} {manifest['id']}: files have the recorded sha256 and rows", on_disk)
        records = sum(f["rows"] for f in files)
        out.check(
            f"{engine}: records {records:,} = manifest's and printed",
            records == counts["records"] and records in printed,
        )
        out.check(
            f"{engine}: records + duplicates = the consented selection ({counts['eligible_items']:,})",
            records + counts["duplicates_dropped"] == counts["eligible_items"] > 0,
        )
        shards_by_engine.setdefault(engine, set()).add(
            tuple((f["shard"], f["sha256"]) for f in sorted(files, key=lambda f: f["shard"]))
        )
    if manifests:  # the audit re-derives every record without the build's code
        first = json.loads(manifests[0].read_text())["id"]
        audit = subprocess.run(
            [sys.executable, "-m", "consentry.cli", "datasets", "audit", first],
            capture_output=True,
            text=True,
            env={**os.environ, "CONSENTRY_DATA_DIR": str(work / "build")},
        )
        verdict = (audit.stdout.strip().splitlines() or [audit.stderr.strip()[-200:]])[-1]
        out.check(f"datasets audit: {verdict}", audit.returncode == 0)
    every = set().union(*shards_by_engine.values()) if shards_by_engine else set()
    out.check(f"{' and '.join(sorted(shards_by_engine))}: identical shard sha256s", len(every) == 1)
    out.check("both engines built", {"duckdb", "spark"} <= set(shards_by_engine))


def decide_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": ["--members", "5000", "--runs", "3"],
        "large": ["--members", "1000000", "--runs", "3"],
    }[scale]


DECIDE = re.compile(
    r"decide_all (?P<purpose>\S+) \((?P<n>[\d,]+) decisions.*?GROUP BY as rows (?P<rows>[\d.]+)s, "
    r"GROUP BY as Arrow (?P<arrow>[\d.]+)s, state table as Arrow (?P<state>[\d.]+)s"
)


def decide_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    members = int(option(args, "--members")[0])
    backend = None
    seen = 0
    for line in output.splitlines():
        if line.startswith(("SQLite:", "PostgreSQL:")):
            backend = line.split(":")[0]
        match = DECIDE.search(line)
        if not match:
            continue
        seen += 1
        n = int(match["n"].replace(",", ""))
        out.check(
            f"{backend} {match['purpose']}: a decision for each of {members:,} members",
            n == members,
        )
        out.figures.append(
            Figure(
                f"decide_all {members:,} members, {backend}, {match['purpose']}, "
                "state table as Arrow",
                float(match["state"]),
                "s",
                "GROUP BY over the ledger as rows",
                float(match["rows"]),
            )
        )
    backends = 1 if "--skip-postgres" in args else 2
    out.check(
        f"the three paths agreed for 2 purposes on {backends} backend(s)", seen == 2 * backends
    )


def scrub_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": [
            "--docs",
            "300",
            "--members",
            "300",
            "--repeat",
            "1",
            "--speed-docs",
            "50",
            "--ner",
            "off",
            "--presidio-docs",
            "0",
        ],
        "large": ["--docs", "1000", "--members", "1000", "--repeat", "3"],
    }[scale]


# Far below what the scrubber reaches (bench/README.md), far above doing nothing.
RECALL_FLOOR = 0.6
CLEAN_FLAGGED_CEILING = 5.0  # percent of the clean set's words


def scrub_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    docs = int(option(args, "--docs")[0])
    match = re.search(r"set C: ([\d,]+) texts", output)
    out.check(f"set C has the {docs:,} texts asked", bool(match) and number(match[1]) == docs)  # type: ignore[index]
    recall = next(rows for rows in tables(output) if rows and "labelled" in rows[0])
    ours = [h for h in recall[0] if h.startswith("NER")]
    for row in recall:
        if cell(row, "type") == "**overall**":
            for tool in ours:
                value = number(row[tool])
                out.check(
                    f"set {row['set']} recall, {tool}: {value:.2f} >= {RECALL_FLOOR}",
                    value >= RECALL_FLOOR,
                )
    fp = table_with(output, "measure")
    clean = next(r for r in fp if r["measure"].startswith("clean set: words flagged"))
    for tool in ours:
        share = float(re.search(r"\(([\d.]+)%\)", clean[tool])[1])  # type: ignore[index]
        out.check(
            f"clean words flagged, {tool}: {share:.2f}% < {CLEAN_FLAGGED_CEILING}%",
            share < CLEAN_FLAGGED_CEILING,
        )
    speed = table_with(output, "texts")
    total = next(r for r in speed if r["set"] == "all")
    presidio = number(total["Presidio"]) if "Presidio" in total else None
    for tool in ours:
        # A rate: the figure is CPU seconds per 1,000 documents, so the ratio reads like
        # the others (below 1: faster than the baseline).
        rate = number(total[tool])
        out.figures.append(
            Figure(
                f"scrub, {tool}, CPU s per 1,000 documents ({rate:,.0f} docs/s)",
                1000 / rate,
                "s",
                "Presidio + spaCy" if presidio else "",
                1000 / presidio if presidio else None,
            )
        )


def propagation_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": ["--members", "150", "--shards", "1", "4", "--runs", "1"],
        "large": ["--members", "2000", "--shards", "1", "4", "16", "--runs", "3"],
    }[scale]


def propagation_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    shard_counts = option(args, "--shards")
    runs = int(option(args, "--runs")[0])
    rows = table_with(output, "S")
    out.check(f"a row per S ({', '.join(shard_counts)})", [r["S"] for r in rows] == shard_counts)
    checked = re.findall(r"^successor check: member (\d+), (\S+):", output, re.M)
    # Per S: `runs` erasures (each through both datasets) and `runs` withdrawals of one.
    want = len(shard_counts) * runs * 3
    out.check(
        f"every successor lacks its member ({len(checked)} of {want} checked)", len(checked) == want
    )
    for row in rows:
        full = number(cell(row, "full rebuild"))
        out.figures.append(
            Figure(
                f"erasure -> receipt, S = {row['S']}",
                number(cell(row, "erasure")),
                "s",
                "full rebuild + retrain",
                full,
            )
        )
        out.figures.append(
            Figure(
                f"withdraw train-genai -> receipt, S = {row['S']}",
                number(cell(row, "withdraw")),
                "s",
                "full rebuild + retrain",
                full,
            )
        )


def unlearning_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": ["--members", "300", "--repeat", "1", "--shards", "1", "4"],
        "large": ["--members", "2000", "--repeat", "3"],
    }[scale]


def unlearning_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    rows = table_with(output, "S")
    shard_counts = option(args, "--shards") or ["1", "4", "16"]
    out.check(f"a row per S ({', '.join(shard_counts)})", [r["S"] for r in rows] == shard_counts)
    for row in rows:
        auc = number(cell(row, "match AUC"))
        out.check(f"S = {row['S']}: match AUC {auc:.3f} > 0.5", auc > 0.5)
        out.figures.append(
            Figure(
                f"propagate one withdrawal (datasets + models), S = {row['S']}",
                number(cell(row, "propagate")),
                "s",
                "full build + train",
                number(cell(row, "full")),
            )
        )


def load_args(scale: str, _work: Path) -> list[str]:
    return {
        "small": [
            "--toggles",
            "200",
            "--clients",
            "20",
            "--members",
            "40",
            "--network",
            "100",
            "--no-dataset",
            "--timeout",
            "120",
        ],
        "large": [
            "--toggles",
            "1000",
            "--clients",
            "20",
            "--members",
            "100",
            "--network",
            "300",
            "--no-dataset",
        ],
    }[scale]


def load_read(output: str, _work: Path, args: list[str], out: Outcome) -> None:
    runs = table_with(output, "p50")
    checks = table_with(output, "check")
    backends = 1 if "--skip-postgres" in args or "--skip-sqlite" in args else 2
    out.check(f"two scenarios on {backends} backend(s)", len(runs) == 2 * backends)
    for row in runs:
        label = f"{row['backend']}, {row['scenario']}"
        out.check(f"{label}: no 5xx", number(row["5xx"]) == 0)
        out.check(
            f"{label}: every toggle answered",
            number(row["toggles"]) == int(option(args, "--toggles")[0]),
        )
        out.figures.append(
            Figure(
                f"API toggle p50 ms, {label} (p99 {row['p99 ms']} ms)", number(row["p50 ms"]), "ms"
            )
        )
    failed = [
        f"{r['backend']} {r['scenario']} {r['check']}"
        for r in checks
        if r["check"] != "kill -9" and not r["result"].startswith("True")
    ]
    out.check(
        f"every check of the bench passed{': ' + ', '.join(failed) if failed else ''}", not failed
    )


SCENARIOS = [
    Scenario("generate", "bench_generate.py", generate_args, generate_read),
    Scenario("build", "bench_build.py", build_args, build_read),
    Scenario("build-10m", "bench_build.py", build_10m_args, build_read),
    Scenario("decide", "bench_decide.py", decide_args, decide_read),
    Scenario("scrub", "bench_scrub.py", scrub_args, scrub_read),
    Scenario("propagation", "bench_propagation.py", propagation_args, propagation_read),
    Scenario("unlearning", "bench_unlearning.py", unlearning_args, unlearning_read),
    Scenario("load", "bench_load.py", load_args, load_read),
]
