"""Scrubber benchmark: recall and precision per type on three labelled sets, false positives
on clean text and on negatives, and documents per second, beside Presidio with spaCy NER on
the same texts in the same run.

    .venv/bin/python bench/bench_scrub.py [--seed 12] [--docs 1000] [--members 1000]
        [--repeat 3] [--speed-docs 200] [--ner on off] [--before SRC] [--presidio-docs N]
        [--misses PATH]

Sets (bench/scrub_eval; made at run time, their sha256 printed):

- A: 1,500 long texts, B: 1,500 short ones (1,100 with one value, 400 negatives), and
  clean: 1,000 professional texts with no personal data. All made with Faker in nine
  locales and templates written for the purpose, not with the network's generator.
- C: `--docs` texts of a network made by `consentry.synthetic` (posts, comments, messages,
  profiles, two per text), scored against the generator's own ground truth.

The scrubber runs in a child process per `CONSENTRY_SCRUB_NER` setting (`--ner on off`),
knowing the network's member names and handles as a build would, with each text's author
region (the locale's country for A, B and clean; the author's for C); Presidio runs in
its own environment (bench/scrub_eval/presidio.py). Each tool scrubs every set once in
full (the spans scored), then the first `--speed-docs` texts of each set `--repeat` times:
documents per second are the median, by the CPU time of the tool's own process (the
machine is shared; wall-clock rates are printed beside them). `--before SRC` adds the
scrubber of another source tree (e.g. `git archive` of an earlier commit, its `src`
folder) as one more column, run the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SETS = ("A", "B", "C", "clean")


def corpus(members: int, seed: int, docs: int, workdir: Path):
    """Set C: rows (text, author names, region, labels), member names and handles."""
    from sqlalchemy import select

    from consentry.datasets.scrub.known import member_names
    from consentry.store import migrate, open_engine
    from consentry.store.tables import Comment, Member, Message, PlantedPII, Post, Profile
    from consentry.synthetic.generate import generate_network

    engine = open_engine(f"sqlite:///{workdir / 'bench.db'}")
    migrate(engine)
    generate_network(engine, members=members, seed=seed)
    with engine.connect() as conn:
        names, handles = member_names(conn)
        people = {m.id: (m.display_name, m.region) for m in conn.execute(select(Member))}
        items = []
        queries = (
            select(Post.id, Post.member_id, Post.text, Post.kind),
            select(Comment.id, Comment.member_id, Comment.text),
            select(Message.id, Message.sender_id, Message.text),
            select(Profile.member_id, Profile.member_id, Profile.about),
        )
        for query, kind in zip(queries, (None, "comment", "message", "profile"), strict=True):
            field = "about" if kind == "profile" else "text"
            for row in conn.execute(query):
                items.append(((kind or row[3], row[0], field), row[1], row[2]))
        truth: dict[tuple, list] = {}
        for p in conn.execute(select(PlantedPII)):
            truth.setdefault((p.data_class, p.item_id, p.field), []).append(
                (p.start, p.end, p.type)
            )
    engine.dispose()
    # Posts come first in id order; a sample across every kind of item needs a shuffle.
    random.Random(seed).shuffle(items)
    rows = []
    i = 0
    while len(rows) < docs:
        (k1, a1, t1), (k2, _, t2) = items[i % len(items)], items[(i + 1) % len(items)]
        i += 2
        shift = len(t1) + 1
        spans = list(truth.get(k1, [])) + [
            (s + shift, e + shift, t) for s, e, t in truth.get(k2, [])
        ]
        rows.append((t1 + " " + t2, [people[a1][0]], people[a1][1], spans))
    return rows, names, handles


def child_ours(rows_path: Path, names_path: Path, repeat: int, out_path: Path) -> None:
    """In a child process: scrub every set once in full (spans, timed), then its speed
    subset `repeat` times (timed), with the scrubber as the environment configures it
    (CONSENTRY_SCRUB_NER); write spans, seconds and the scrubber's counts per set."""
    import consentry
    from consentry.datasets.scrub import Scrubber, persons, phones

    rows = [json.loads(line) for line in rows_path.open(encoding="utf-8")]
    names, handles = json.loads(names_path.read_text())
    start = time.perf_counter()
    scrubber = Scrubber(names, handles)
    scrubber.scrub_batch(["warm up: Anna Meyer lives at Hauptstraße 5, 10115 Berlin"])
    load = time.perf_counter() - start

    def scrub(index: list[int]) -> tuple[list, float, float]:
        phones.phone_valid.cache_clear()  # a build sees each text once
        cache = getattr(persons, "_author_index", None)
        if cache is not None:
            cache.cache_clear()
        memo = getattr(scrubber, "_memo", None)  # texts remembered by an earlier run
        if memo is not None:
            memo.clear()
        texts = [rows[i]["text"] for i in index]
        authors = [rows[i]["authors"] for i in index]
        regions = [rows[i]["region"] for i in index]
        wall, cpu = time.perf_counter(), time.process_time()
        results = []
        for j in range(0, len(texts), 5000):
            results += scrubber.scrub_batch(
                texts[j : j + 5000], authors[j : j + 5000], regions[j : j + 5000]
            )
        return results, time.perf_counter() - wall, time.process_time() - cpu

    spans: dict[int, list] = {}
    out: dict = {"wall": {}, "cpu": {}, "full": {}, "speed_docs": {}, "stats": {}}
    for name in SETS:
        index = [i for i, r in enumerate(rows) if r["set"] == name]
        before = dict(getattr(scrubber, "stats", {}))
        results, wall, cpu = scrub(index)
        after = dict(getattr(scrubber, "stats", {}))
        out["stats"][name] = {k: after[k] - before.get(k, 0) for k in after}
        out["full"][name] = [len(index), wall, cpu]
        for i, r in zip(index, results, strict=True):
            spans[i] = [(s.start, s.end, s.type) for s in r.spans]
        fast = [i for i in index if rows[i]["speed"]]
        out["speed_docs"][name] = len(fast)
        out["wall"][name], out["cpu"][name] = [], []
        for _ in range(repeat):
            _, wall, cpu = scrub(fast)
            out["wall"][name].append(wall)
            out["cpu"][name].append(cpu)
    out["spans"] = [spans[i] for i in range(len(rows))]
    out["load_seconds"] = load
    out["source"] = str(Path(consentry.__file__).parent)
    out_path.write_text(json.dumps(out))


def run_ours(label: str, env: dict, rows_path: Path, names_path: Path, args, work: Path) -> dict:
    """`child_ours` in a child process with `env` added to its environment."""
    out = work / f"ours-{len(list(work.glob('ours-*')))}.json"
    command = [sys.executable, __file__, "--child", str(rows_path), str(names_path), str(out),
               "--repeat", str(args.repeat)]  # fmt: skip
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def fmt(x: float) -> str:
    return "—" if x != x else f"{x:.2f}"


def report(sets, tools: dict[str, dict], scores: dict, args) -> None:
    """Print every table of bench/README.md's scrubber section."""
    from scrub_eval.scoring import TYPES

    names = list(tools)
    cols = " | ".join(names)
    rule = "---:|" * len(names)
    for what, get in (("recall", "recall"), ("precision", "precision")):
        print(f"\n{what} per type (typed: the label's own type; ≥ half of a value covered):")
        print(f"| set | type | labelled | {cols} |\n|---|---|---:|{rule}")
        for s in ("A", "B", "C"):
            first = scores[names[0]][s]
            for kind in (*TYPES, None):
                total = first.gold[kind] if kind else sum(first.gold.values())
                if not total:
                    continue
                cells = [fmt(getattr(scores[n][s], get)(kind)) for n in names]
                label = kind or "**overall**"
                print(f"| {s} | {label} | {total:,} | " + " | ".join(cells) + " |")
    print(
        "\nlooser views: untyped recall (any placeholder); PERSON and ADDRESS touched (any overlap)"
    )
    print(f"| set | measure | {cols} |\n|---|---|{rule}")
    for s in ("A", "B", "C"):
        print(f"| {s} | untyped recall | " + " | ".join(fmt(scores[n][s].recall(None, typed=False)) for n in names) + " |")  # fmt: skip
        for kind in ("PERSON", "ADDRESS"):
            print(f"| {s} | {kind} touched | " + " | ".join(fmt(scores[n][s].touched_share(kind)) for n in names) + " |")  # fmt: skip
    print("\nfalse positives:")
    print(f"| measure | {cols} |\n|---|{rule}")
    clean = [scores[n]["clean"] for n in names]
    print("| clean set: words flagged | "
          + " | ".join(f"{c.words_flagged:,} of {c.words:,} ({100 * c.flagged_share:.2f}%)" for c in clean)
          + " |")  # fmt: skip
    print("| clean set: texts with any span | "
          + " | ".join(f"{len(c.false_positives)} of {len(sets['clean'].cases)}" for c in clean) + " |")  # fmt: skip
    b = [scores[n]["B"] for n in names]
    for category in sorted(b[0].negatives):
        print(f"| B negatives, {category}: flagged | "
              + " | ".join(f"{x.negatives_flagged[category]} of {x.negatives[category]}" for x in b) + " |")  # fmt: skip
    print("| B negatives, all: flagged | "
          + " | ".join(f"{sum(x.negatives_flagged.values())} of {sum(x.negatives.values())}" for x in b) + " |")  # fmt: skip
    print(f"\ndocuments per second: median of {args.repeat} runs over the first "
          f"{args.speed_docs:,} texts of each set, by the CPU time of the tool's process "
          "(wall-clock rate in brackets)")  # fmt: skip
    print(f"| set | texts | {cols} |\n|---|---:|{rule}")
    totals = {n: [0.0, 0.0, 0] for n in names}
    for s in SETS:
        cells = []
        for name in names:
            t = tools[name]
            if not t["cpu"].get(s):
                cells.append("—")
                continue
            n = t["speed_docs"][s]
            cpu, wall = statistics.median(t["cpu"][s]), statistics.median(t["wall"][s])
            totals[name][0] += cpu
            totals[name][1] += wall
            totals[name][2] += n
            cells.append(f"{n / cpu:,.0f} ({n / wall:,.0f})")
        print(f"| {s} | {tools[names[0]]['speed_docs'].get(s, 0):,} | " + " | ".join(cells) + " |")
    print(f"| all | {totals[names[0]][2]:,} | "
          + " | ".join(f"{c / a:,.0f} ({c / w:,.0f})" if a else "—" for a, w, c in totals.values()) + " |")  # fmt: skip
    for n in names:
        full = tools[n]["full"]
        print(f"{n}: full pass, CPU docs/s: "
              + ", ".join(f"{s} {t[0] / t[2]:,.0f}" for s, t in full.items() if t[2])
              + f"; load {tools[n]['load_seconds']:.1f} s (not in the rates)")  # fmt: skip
        stats = tools[n].get("stats") or {}
        if any(st.get("ner_texts") for st in stats.values()):
            print(f"{n}: texts sent to the NER stage: " + ", ".join(
                f"{s} {st.get('ner_texts', 0):,} of {st.get('texts', 0):,} "
                f"({100 * st.get('ner_texts', 0) / max(st.get('texts', 0), 1):.1f}%)"
                for s, st in stats.items()))  # fmt: skip


def write_misses(path: Path, scores: dict, per_type: int = 12) -> None:
    """The first misses per type and the false positives, for each tool and set."""
    with path.open("w", encoding="utf-8") as f:
        for tool, by_set in scores.items():
            for s, sc in by_set.items():
                f.write(f"\n######## {tool}, set {s}\n")
                for kind, items in sorted(sc.misses.items()):
                    f.write(f"\n== {kind}: recall {sc.recall(kind):.3f}, {len(items)} missed; "
                            f"first {per_type}:\n")  # fmt: skip
                    for item in items[:per_type]:
                        f.write(f"  - {item}\n")
                if sc.false_positives:
                    f.write(
                        f"\n== false positives ({len(sc.false_positives)}); first {2 * per_type}:\n"
                    )
                    for item in sc.false_positives[: 2 * per_type]:
                        f.write(f"  - {item}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=12, help="seed of sets A, B and clean")
    ap.add_argument("--docs", type=int, default=1000, help="texts in set C")
    ap.add_argument("--members", type=int, default=1000, help="members of set C's network")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs over the speed subset")
    ap.add_argument("--speed-docs", type=int, default=200, help="texts per set in a timed run")
    ap.add_argument("--ner", nargs="+", default=["on", "off"], choices=["on", "off"])
    ap.add_argument("--before", type=Path, help="a source tree's src/ to run as 'before'")
    ap.add_argument("--presidio-docs", type=int, default=1500,
                    help="Presidio scores the first N texts of each set (0: no Presidio)")  # fmt: skip
    ap.add_argument("--presidio-venv", type=Path, default=HERE / ".venv-presidio")
    ap.add_argument("--misses", type=Path, help="write misses and false positives here")
    ap.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some of Faker's locale providers draw from sets: fixed string hashing makes a
        # seed give the same texts in every process.
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"}
        )
    if args.child:
        child_ours(args.child[0], args.child[1], args.repeat, args.child[2])
        return

    from scrub_eval import presidio
    from scrub_eval.scoring import score
    from scrub_eval.sets import Case, EvalSet, make_sets

    t0 = time.perf_counter()
    sets = make_sets(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-scrub-"))
    network, names, handles = corpus(args.members, 7, args.docs, work)
    sets["C"] = EvalSet("C", [Case(t, s, r, "network") for t, _, r, s in network])
    authors_c = [a for _, a, _, _ in network]
    print(f"sets made in {time.perf_counter() - t0:.1f} s (seed {args.seed}; set C: network of "
          f"{args.members:,} members, seed 7); the scrubber knows {len(names):,} member names")  # fmt: skip
    for s in SETS:
        cases = sets[s].cases
        size = sum(len(c.text.encode()) for c in cases) / len(cases)
        print(f"  set {s}: {len(cases):,} texts, {size:.0f} bytes on average, "
              f"{sum(len(c.spans) for c in cases):,} labelled values, sha256 {sets[s].digest}")  # fmt: skip
    known = {n.casefold() for n in names}
    for s in ("A", "B"):
        overlap = sum(
            1 for c in sets[s].cases for a, b, k in c.spans
            if k == "PERSON" and c.text[a:b].casefold() in known
        )  # fmt: skip
        print(f"  set {s}: {overlap} labelled names are also member names of set C's network")

    rows = []
    for s in SETS:
        for i, c in enumerate(sets[s].cases):
            rows.append({"set": s, "text": c.text, "region": c.region, "speed": i < args.speed_docs,
                         "authors": authors_c[i] if s == "C" else []})  # fmt: skip
    rows_path, names_path = work / "rows.jsonl", work / "names.json"
    with rows_path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    names_path.write_text(json.dumps([names, handles]))

    tools: dict[str, dict] = {}
    if args.before:
        label = f"before ({args.before})"
        src = str(args.before.resolve())
        tools["before"] = run_ours(label, {"PYTHONPATH": src}, rows_path, names_path, args, work)
        print(f"before: the scrubber of {tools['before']['source']}", flush=True)
    for setting in args.ner:
        started = time.perf_counter()
        env = {"CONSENTRY_SCRUB_NER": setting}
        tools[f"NER {setting}"] = run_ours(f"NER {setting}", env, rows_path, names_path, args, work)
        print(f"Consentry, NER {setting}: {time.perf_counter() - started:.0f} s", flush=True)
    subset = []
    if args.presidio_docs > 0:
        started = time.perf_counter()
        python = presidio.ensure_venv(args.presidio_venv)
        counts: dict[str, int] = {}
        for i, row in enumerate(rows):
            counts[row["set"]] = counts.get(row["set"], 0) + 1
            if counts[row["set"]] <= args.presidio_docs:
                subset.append(i)
        out = presidio.run(python, [rows[i] for i in subset], args.repeat)
        spans: list[list] = [[] for _ in rows]
        for i, found in zip(subset, out["spans"], strict=True):
            spans[i] = found
        out["spans"] = spans
        tools["Presidio"] = out
        print(f"Presidio + spaCy NER: {time.perf_counter() - started:.0f} s; recognizers: "
              f"{', '.join(out['recognizers'])}")  # fmt: skip

    chosen = set(subset)
    scores: dict[str, dict] = {}
    for tool, out in tools.items():
        scores[tool] = {}
        for s in SETS:
            index = [i for i, r in enumerate(rows) if r["set"] == s]
            if tool == "Presidio":
                index = [i for i in index if i in chosen]
            cases = sets[s].cases[: len(index)]
            predicted = [[tuple(x) for x in out["spans"][i]] for i in index]
            scores[tool][s] = score(cases, predicted, unlabelled_persons_ok=s == "C")
    if 0 < args.presidio_docs < max(len(sets[s].cases) for s in SETS):
        print(f"(Presidio scored on the first {args.presidio_docs:,} texts of each set only)")
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f} at the end")  # fmt: skip
    report(sets, tools, scores, args)
    if args.misses:
        write_misses(args.misses, scores)
        print(f"\nmisses and false positives written to {args.misses}")
    print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}")


if __name__ == "__main__":
    main()
