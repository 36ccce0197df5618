"""Run every benchmark of bench/ at one scale, collect their figures, print one table.

`make bench` runs this. `BENCH_SCALE=small` (the default) runs each bench on a network
small enough for the whole set to finish in a few minutes, to show that every bench still
runs and roughly where the time goes; `BENCH_SCALE=large` runs the commands whose figures
bench/README.md reports (tens of minutes to hours). Each bench runs in its own process,
one after the other, so none disturbs another's timings.

The figures are what each bench prints: every Markdown table of its output becomes a list
of rows (header -> cell), kept in bench/results.json with the command, its exit status,
its wall time and the last lines of its output. A bench that fails does not stop the
others; the exit status is non-zero if any failed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"

# bench -> arguments per scale. Large is what bench/README.md reports.
BENCHES: dict[str, dict[str, list[str]]] = {
    "scrub": {
        "small": ["--docs", "300", "--members", "300", "--repeat", "1", "--speed-docs", "50",
                  "--ner", "off", "--presidio-docs", "0"],
        "large": ["--docs", "1000", "--members", "1000", "--repeat", "3"],
    },
    "generate": {
        "small": ["--members", "1000", "--runs", "1", "--no-postgres"],
        "large": ["--members", "10000", "--runs", "3"],
    },
    "decide": {
        "small": ["--members", "5000", "--skip-postgres"],
        "large": ["--members", "1000000"],
    },
    "build": {
        "small": ["--members", "1000", "--repeat", "1"],
        "large": ["--members", "100000", "--repeat", "1", "--ner", "on", "off"],
    },
    "unlearning": {
        "small": ["--members", "300", "--repeat", "1", "--shards", "1", "4"],
        "large": ["--members", "2000", "--repeat", "3"],
    },
    "propagation": {
        "small": ["--members", "300", "--shards", "1", "4", "--runs", "1"],
        "large": ["--members", "2000", "--shards", "1", "4", "16"],
    },
    "load": {
        "small": ["--toggles", "200", "--clients", "20", "--members", "40", "--network", "100",
                  "--no-dataset", "--timeout", "120"],
        "large": ["--toggles", "1000", "--clients", "20", "--members", "100", "--network", "300",
                  "--no-dataset"],
    },
}  # fmt: skip
TIMEOUT_S = {"small": 600, "large": 4 * 3600}


def tables(output: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in `output`, as rows keyed by the header's cells."""
    found: list[list[dict[str, str]]] = []
    lines = output.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        below = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.startswith("|") and below.startswith("|") and set(below) <= set("|-: "):
            header = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells, strict=False)))
                i += 1
            found.append(rows)
            continue
        i += 1
    return found


def run_bench(name: str, scale: str) -> dict:
    """Run one bench and return its record for results.json."""
    command = [sys.executable, str(HERE / f"bench_{name}.py"), *BENCHES[name][scale]]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S[scale], cwd=HERE.parent
        )
        rc, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        rc = 124
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        output += f"\ntimed out after {TIMEOUT_S[scale]} s"
    seconds = time.perf_counter() - started
    return {
        "command": " ".join(["python", f"bench/bench_{name}.py", *BENCHES[name][scale]]),
        "exit_status": rc,
        "seconds": round(seconds, 2),
        "tables": tables(output),
        "output_tail": output.strip().splitlines()[-15:],
    }


def headline(record: dict) -> str:
    """The first row of the bench's last table, in one line (its main figure)."""
    if not record["tables"] or not record["tables"][-1]:
        return (record["output_tail"] or [""])[-1][:70]
    row = record["tables"][-1][0]
    return "; ".join(f"{k} {v}" for k, v in row.items())[:70]


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in TIMEOUT_S:
        print(f"BENCH_SCALE must be small or large, not {scale!r}", file=sys.stderr)
        return 2
    only = sys.argv[1:] or list(BENCHES)
    unknown = [n for n in only if n not in BENCHES]
    if unknown:
        print(f"unknown bench {unknown}; choose from {list(BENCHES)}", file=sys.stderr)
        return 2
    results = {
        "scale": scale,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "benches": {},
    }
    for name in only:
        print(f"running bench_{name} ({scale}) ...", flush=True)
        results["benches"][name] = run_bench(name, scale)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    print(f"\n{results['machine']}; scale {scale}; figures in {RESULTS.relative_to(HERE.parent)}")
    print("| bench | status | seconds | main figure |\n|---|---|---:|---|")
    for name, record in results["benches"].items():
        status = "ok" if record["exit_status"] == 0 else f"failed ({record['exit_status']})"
        print(f"| {name} | {status} | {record['seconds']:.1f} | {headline(record)} |")
    return 0 if all(r["exit_status"] == 0 for r in results["benches"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
