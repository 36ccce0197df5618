"""Run every benchmark scenario at one scale, check that each output is right, print one table.

`make bench` runs this. `BENCH_SCALE=small` (the default) runs each scenario on a network
small enough for the whole set to finish in a few minutes; `BENCH_SCALE=large` runs the
sizes bench/README.md reports (1,000,000 members and 10,000,000 posts for the generator,
`decide_all` and the build; hours). `python bench/run.py build decide` runs only those.
Each bench runs in its own process, one after the other, so none disturbs another's
timings, and each measures its baseline in the same run as its figure (the build beside
a bare copy of the posts to Parquet, `decide_all` from the state table beside the GROUP
BY over the ledger, a withdrawal's propagation beside a full rebuild and retrain, ...).

Every scenario's output is checked, not only its exit status (`scenarios.py` says what
is checked for each), so a fast wrong answer cannot pass. A failed check marks the
scenario FAILED in the table and makes the exit status non-zero. Everything goes to bench/results.json: the command, the machine (CPU count and model,
load average at the start and the end), and per scenario its command, exit status, wall
time, checks, figures (median, baseline, ratio), every Markdown table it printed and the
last lines of its output.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from outputs import Outcome, Scenario, tables
from scenarios import SCENARIOS

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
SCALES = ("small", "large")
TIMEOUT_S = {"small": 900, "large": 12 * 3600}


def machine() -> dict:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:  # not Linux
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def run_scenario(scenario: Scenario, scale: str, work: Path) -> dict:
    """Run one bench, read and check its output; its record for results.json."""
    args = scenario.args(scale, work) or []
    command = [sys.executable, str(HERE / scenario.script), *args]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S[scale], cwd=HERE.parent
        )
        rc, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        rc = 124
        raw = exc.stdout or ""
        output = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        output += f"\ntimed out after {TIMEOUT_S[scale]} s"
    seconds = time.perf_counter() - started
    outcome = Outcome()
    outcome.check(f"exit status 0 (was {rc})", rc == 0)
    try:
        scenario.read(output, work, args, outcome)
    except Exception as exc:  # the output lacks what the check reads: that is a failure
        outcome.check(f"output readable ({exc.__class__.__name__}: {exc})", False)
    return {
        "command": " ".join(["python", f"bench/{scenario.script}", *args]),
        "exit_status": rc,
        "seconds": round(seconds, 2),
        "status": "ok" if all(ok for _, ok in outcome.checks) else "FAILED",
        "checks": [{"check": what, "ok": ok} for what, ok in outcome.checks],
        "figures": [
            {
                "measure": f.measure,
                "median": f.median,
                "unit": f.unit,
                "baseline": f.baseline,
                "baseline_median": f.baseline_median,
                "ratio": None if f.ratio is None else round(f.ratio, 3),
            }
            for f in outcome.figures
        ],
        "tables": tables(output),
        "output_tail": output.strip().splitlines()[-25:],
    }


def print_table(results: dict) -> None:
    m = results["machine"]
    print(
        f"\n{m['cpus']} CPUs ({m['cpu_model']}), load average {m['load_average_start'][0]} at the "
        f"start and {m['load_average_end'][0]} at the end; scale {results['scale']}; "
        f"{results['command']}"
    )
    print("| scenario | status | measure | median | baseline (same run) | ratio |")
    print("|---|---|---|---:|---|---:|")
    for name, record in results["scenarios"].items():
        status = record["status"]
        figures = record["figures"] or [
            {
                "measure": "-",
                "median": None,
                "unit": "",
                "baseline": "",
                "baseline_median": None,
                "ratio": None,
            }
        ]
        for f in figures:
            median = "-" if f["median"] is None else f"{f['median']:.3g} {f['unit']}"
            base = (
                f"{f['baseline']}: {f['baseline_median']:.3g} {f['unit']}"
                if f["baseline_median"] is not None
                else "-"
            )
            ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}"
            print(f"| {name} | {status} | {f['measure']} | {median} | {base} | {ratio} |")
    for name, record in results["scenarios"].items():
        failed = [c["check"] for c in record["checks"] if not c["ok"]]
        if failed:
            print(f"{name} FAILED: " + "; ".join(failed))
        else:
            print(f"{name}: {len(record['checks'])} checks passed")


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in SCALES:
        print(f"BENCH_SCALE must be small or large, not {scale!r}", file=sys.stderr)
        return 2
    names = [s.name for s in SCENARIOS]
    only = sys.argv[1:] or names
    unknown = [n for n in only if n not in names]
    if unknown:
        print(f"unknown scenario {unknown}; choose from {names}", file=sys.stderr)
        return 2
    results: dict = {
        "scale": scale,
        "command": f"BENCH_SCALE={scale} python bench/run.py {' '.join(sys.argv[1:])}".strip(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scenarios": {},
    }
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        for scenario in (s for s in SCENARIOS if s.name in only):
            if scenario.args(scale, Path(tmp)) is None:
                continue
            print(f"running {scenario.name} ({scale}) ...", flush=True)
            work = Path(tmp) / scenario.name
            work.mkdir()
            record = run_scenario(scenario, scale, work)
            results["scenarios"][scenario.name] = record
            print(f"  {record['status']} in {record['seconds']:.0f} s", flush=True)
            results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
            RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"figures and checks in {RESULTS.relative_to(HERE.parent)}")
    return 0 if all(r["status"] == "ok" for r in results["scenarios"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
