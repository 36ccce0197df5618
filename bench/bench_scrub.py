"""Scrubber benchmark: documents per second against baselines in the same run, and recall,
precision and speed against Presidio's pattern recognizers on the same labelled texts.

    .venv/bin/python bench/bench_scrub.py [--docs 50000] [--members 3000] [--presidio-docs 5000]
        [--known-names 100000] [--presidio-python /tmp/presidio-venv/bin/python]

Texts come from a generated network (its posts, comments, messages and profiles, two joined
per document to reach about 350 bytes) with the generator's ground truth. Baselines, each
the median of three runs: DuckDB copying the texts to Parquet; DuckDB doing two regex
replacements (vectorised RE2) while copying; one Python `re.sub` per text. Presidio runs
in its own environment (it is a peer, not a dependency): only its pattern recognizers,
no spaCy model, so it has no PERSON detection.

The scrubber knows `--known-names` full names, as it would in a build over a network that
size: the members' own names, then given x family names of the generator's languages (so
thousands of names share each first word, as in a real network). Texts are scrubbed in
chunks of 5,000, as a build does, and the scrubber's caches are emptied before each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import select

from consentry.datasets.scrub import Scrubber, persons, phones
from consentry.datasets.scrub.known import member_names
from consentry.store import migrate, open_engine
from consentry.store.tables import Comment, Member, Message, PlantedPII, Post, Profile
from consentry.synthetic.generate import generate_network
from consentry.synthetic.names import NAMES

TYPES = ("EMAIL", "PHONE", "URL", "IP", "CARD", "IBAN", "ID", "DOB", "ADDRESS", "PERSON")
_EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_DIGITS_RE = r"\+?[0-9][0-9 ()./-]{6,}[0-9]"

# Run inside Presidio's environment: reads texts (JSON Lines), writes spans and seconds.
PRESIDIO_SCRIPT = r"""
import json, sys, time
import tldextract.tldextract as tx
tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=())  # offline: the bundled suffix list
from presidio_analyzer import predefined_recognizers as p
names = ["EmailRecognizer", "PhoneRecognizer", "CreditCardRecognizer", "IbanRecognizer",
         "IpRecognizer", "UrlRecognizer", "UsSsnRecognizer", "UkNinoRecognizer",
         "EsNifRecognizer", "EsNieRecognizer", "ItFiscalCodeRecognizer", "PlPeselRecognizer",
         "DateRecognizer"]
recognizers = [getattr(p, n)() for n in names if hasattr(p, n)]
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
out = []
start = time.perf_counter()
for text in texts:
    found = []
    for r in recognizers:
        for res in r.analyze(text, entities=r.supported_entities, nlp_artifacts=None) or []:
            found.append((res.start, res.end, res.entity_type, res.score))
    out.append(found)
elapsed = time.perf_counter() - start
json.dump({"seconds": elapsed, "spans": out, "recognizers": [type(r).__name__ for r in recognizers]},
          open(sys.argv[2], "w"))
"""
PRESIDIO_TYPES = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP", "URL": "URL", "US_SSN": "ID", "UK_NINO": "ID", "ES_NIF": "ID",
    "ES_NIE": "ID", "IT_FISCAL_CODE": "ID", "PL_PESEL": "ID", "DATE_TIME": "DOB",
}  # fmt: skip


def corpus(members: int, seed: int, docs: int, workdir: Path):
    """(texts, author names, regions, ground truth per text, known names, handles)."""
    engine = open_engine(f"sqlite:///{workdir / 'bench.db'}")
    migrate(engine)
    generate_network(engine, members=members, seed=seed)
    with engine.connect() as conn:
        names, handles = member_names(conn)
        people = {m.id: (m.display_name, m.region) for m in conn.execute(select(Member))}
        items = []
        queries = (
            ("text", select(Post.kind, Post.id, Post.member_id, Post.text)),
            ("text", select(Comment.id, Comment.member_id, Comment.text)),
            ("text", select(Message.id, Message.sender_id, Message.text)),
            ("about", select(Profile.member_id, Profile.member_id, Profile.about)),
        )
        for (field, query), kind in zip(
            queries, (None, "comment", "message", "profile"), strict=True
        ):
            for row in conn.execute(query):
                if kind is None:
                    items.append(((row[0], row[1], field), row[2], row[3]))
                else:
                    items.append(((kind, row[0], field), row[1], row[2]))
        truth: dict[tuple, list] = {}
        for p in conn.execute(select(PlantedPII)):
            truth.setdefault((p.data_class, p.item_id, p.field), []).append(
                (p.start, p.end, p.type)
            )
    engine.dispose()
    texts, authors, regions, labels = [], [], [], []
    i = 0
    while len(texts) < docs:
        (k1, a1, t1), (k2, _, t2) = items[i % len(items)], items[(i + 1) % len(items)]
        i += 2
        text = t1 + " " + t2
        shift = len(t1) + 1
        spans = list(truth.get(k1, [])) + [
            (s + shift, e + shift, t) for s, e, t in truth.get(k2, [])
        ]
        texts.append(text)
        authors.append([people[a1][0]])  # the second half's author is a known member anyway
        regions.append(people[a1][1])
        labels.append(spans)
    return texts, authors, regions, labels, names, handles


def padded_names(names: list[str], size: int, seed: int) -> list[str]:
    """`names`, then given x family name pairs of every language, up to `size` in all."""
    import random

    known = list(dict.fromkeys(names))
    seen = set(known)
    givens = sorted({g for female, male, _ in NAMES.values() for g in (*female, *male)})
    families = sorted({f for _, _, fams in NAMES.values() for f in fams})
    pairs = [f"{g} {f}" for g in givens for f in families]
    random.Random(seed).shuffle(pairs)
    for name in pairs:
        if len(known) >= size:
            break
        if name not in seen:
            seen.add(name)
            known.append(name)
    return known


def clear_caches() -> None:
    """Forget validated phone numbers and author indexes: a build sees each text once."""
    phones.phone_valid.cache_clear()
    author_cache = getattr(persons, "_author_index", None)
    if author_cache is not None:
        author_cache.cache_clear()


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def score(texts, labels, predicted) -> dict[str, tuple[float, float, int]]:
    """Per type: (recall, precision, planted) with the floors test's definitions (overlap
    for precision; full same-type coverage for recall)."""
    found, total, right, counted = Counter(), Counter(), Counter(), Counter()
    for text, planted, spans in zip(texts, labels, predicted, strict=True):
        for start, end, kind in planted:
            total[kind] += 1
            covered = set()
            for s, e, k in spans:
                if k == kind:
                    covered.update(range(max(start, s), min(end, e)))
            if all(i in covered or text[i].isspace() for i in range(start, end)):
                found[kind] += 1
        for s, e, k in spans:
            hit = any(s < pe and ps < e and pk == k for ps, pe, pk in planted)
            if k == "PERSON" and not hit:
                continue  # unlabelled member names (see the floors test); counted there
            counted[k] += 1
            right[k] += hit
    return {
        k: (found[k] / total[k] if total[k] else float("nan"),
            right[k] / counted[k] if counted[k] else float("nan"), total[k])
        for k in TYPES
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--members", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--presidio-docs", type=int, default=5000)
    ap.add_argument("--known-names", type=int, default=100_000)
    ap.add_argument("--presidio-python", default="/tmp/presidio-venv/bin/python")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-scrub-"))
    t0 = time.perf_counter()
    texts, authors, regions, labels, names, handles = corpus(
        args.members, args.seed, args.docs, work
    )
    names = padded_names(names, args.known_names, args.seed)
    size = sum(len(t.encode()) for t in texts) / len(texts)
    print(f"corpus: {len(texts):,} texts, {size:.0f} bytes on average, "
          f"{sum(map(len, labels)):,} planted values, {len(names):,} known names "
          f"({time.perf_counter() - t0:.1f} s to generate)")  # fmt: skip

    table = pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts)})
    con = duckdb.connect()
    con.register("texts", table)
    out = work / "out.parquet"

    def duckdb_copy() -> None:
        con.execute(f"COPY (SELECT id, text FROM texts) TO '{out}' (FORMAT parquet)")

    def duckdb_regex() -> None:
        con.execute(
            f"COPY (SELECT id, regexp_replace(regexp_replace(text, '{_EMAIL_RE}', '<EMAIL>', 'g'),"
            f" '{_DIGITS_RE}', '<PHONE>', 'g') AS text FROM texts) TO '{out}' (FORMAT parquet)"
        )

    email = re.compile(_EMAIL_RE)

    def python_regex() -> None:
        [email.sub("<EMAIL>", t) for t in texts]

    started = time.perf_counter()
    scrubber = Scrubber(names, handles)
    print(f"scrubber for {len(names):,} known names built in {time.perf_counter() - started:.2f} s")
    results = []

    def scrub() -> None:
        clear_caches()
        results.clear()
        for i in range(0, len(texts), 5000):
            results.extend(
                scrubber.scrub_batch(
                    texts[i : i + 5000], authors[i : i + 5000], regions[i : i + 5000]
                )
            )

    timings = {
        "DuckDB copy to Parquet (floor)": median_seconds(duckdb_copy, args.repeat),
        "DuckDB 2 regex replacements + copy": median_seconds(duckdb_regex, args.repeat),
        "Python re.sub, 1 pattern, row by row": median_seconds(python_regex, args.repeat),
        "Consentry scrubber (scrub_batch)": median_seconds(scrub, args.repeat),
    }
    floor = timings["DuckDB copy to Parquet (floor)"]
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("\n| step | seconds | docs/s | × floor |\n|---|---:|---:|---:|")
    for name, secs in timings.items():
        print(f"| {name} | {secs:.2f} | {len(texts) / secs:,.0f} | {secs / floor:.1f} |")

    ours = score(texts, labels, [[(s.start, s.end, s.type) for s in r.spans] for r in results])
    n = min(args.presidio_docs, len(texts))
    print(f"\nquality on {len(texts):,} labelled texts (Consentry):")
    presidio = None
    if Path(args.presidio_python).exists():
        src, dst = work / "presidio-in.jsonl", work / "presidio-out.json"
        with src.open("w", encoding="utf-8") as f:
            for t in texts[:n]:
                f.write(json.dumps({"text": t}) + "\n")
        script = work / "presidio_run.py"
        script.write_text(PRESIDIO_SCRIPT)
        done = subprocess.run([args.presidio_python, str(script), str(src), str(dst)],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode == 0:
            presidio = json.loads(dst.read_text())
        else:
            print("Presidio failed:", done.stderr.strip().splitlines()[-1:])
    else:
        print(f"Presidio not found at {args.presidio_python}; skipping the comparison")
    ours_n = score(
        texts[:n], labels[:n], [[(s.start, s.end, s.type) for s in r.spans] for r in results[:n]]
    )
    theirs = None
    if presidio:
        mapped = [
            [(s, e, PRESIDIO_TYPES[k]) for s, e, k, _ in spans if k in PRESIDIO_TYPES]
            for spans in presidio["spans"]
        ]
        theirs = score(texts[:n], labels[:n], mapped)

        def scrub_n() -> None:
            clear_caches()
            scrubber.scrub_batch(texts[:n], authors[:n], regions[:n])

        ours_secs = median_seconds(scrub_n, args.repeat)
        print(f"\nspeed on the same {n:,} texts: Consentry {n / ours_secs:,.0f} docs/s, "
              f"Presidio pattern recognizers {n / presidio['seconds']:,.0f} docs/s "
              f"({len(presidio['recognizers'])} recognizers)")  # fmt: skip
    print(
        "\n| type | planted | Consentry recall | Consentry precision "
        + ("| Presidio recall | Presidio precision |" if theirs else "|")
    )
    print("|---|---:|---:|---:|" + ("---:|---:|" if theirs else ""))
    for k in TYPES:
        r, p, total = ours[k]
        line = f"| {k} | {total:,} | {r:.4f} | {p:.4f} |"
        if theirs:
            line += f" {theirs[k][0]:.4f} | {theirs[k][1]:.4f} |"
        print(line)
    if theirs:
        print(f"\n(Consentry on the {n:,}-text Presidio subset: "
              + ", ".join(f"{k} {ours_n[k][0]:.3f}/{ours_n[k][1]:.3f}" for k in TYPES) + ")")  # fmt: skip
    print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}")


if __name__ == "__main__":
    main()
