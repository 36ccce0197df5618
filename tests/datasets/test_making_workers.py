"""`making.make_batches` on worker processes gives what the maker gives in process.

The same raw batches go through `RecordMaker.make` here and through a pool of spawned
workers: the records, their order and the scrubbed counts must be equal, a maker's error
must come back to the caller, and the DuckDB engine must write byte-identical shard and
lineage files whether it makes the records in process or on workers.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from consentry.datasets.engines.duckdb import DuckDBEngine
from consentry.datasets.making import RAW_SCHEMA, RecordMaker, make_batches, maker_workers
from consentry.datasets.scrub.known import ScrubberSpec

KEY = b"workers record-id key"
PLANTED = ("Xanthippe Vordermeyer", "Quentin Aldaberry")


def _maker(shards: int = 3) -> RecordMaker:
    spec = ScrubberSpec.of(PLANTED, ["qz_77"], ner=False)
    return RecordMaker(record_key=KEY, shards=shards, scrub=spec)


def _batches(n: int = 900, size: int = 97) -> list[pa.RecordBatch]:
    """Raw rows with planted names, emails and phone numbers, repeated texts among them."""
    rng = random.Random(5)
    rows = []
    for item in range(1, n + 1):
        member = 1 + rng.randrange(30)
        text = f"note {rng.randrange(n // 4)}"
        if rng.random() < 0.3:
            text += f", met {rng.choice(PLANTED)} — mail ann.lee{item}@example.org"
        if rng.random() < 0.1:
            text += ", call +44 20 7946 0958"
        rows.append(
            {
                "item_id": item,
                "data_class": rng.choice(["post", "comment", "profile"]),
                "member_id": member,
                "title": rng.choice([None, "Ingénieure", "Data lead"]),
                "text": text,
                "industry": rng.choice(["", "Software", None]),
                "country": rng.choice(["FR", "GB", ""]),
                "seniority": "",
                "titles": rng.choice([[], ["Engineer", "Lead"]]),
                "companies": rng.choice([[], None, ["Acme, ask qz_77"]]),
                "skills": rng.choice([[], ["SQL", "Python"]]),
                "year": 2020 + rng.randrange(6),
                "author_names": [f"Ottilie Member{member}", "Ottilie", f"Member{member}"],
            }
        )
    return [
        pa.RecordBatch.from_pylist(rows[i : i + size], schema=RAW_SCHEMA) for i in range(0, n, size)
    ]


def test_workers_make_the_same_records_in_the_same_order() -> None:
    raw = _batches()
    here = list(make_batches(_maker(), raw, workers=0))
    pooled = list(make_batches(_maker(), raw, workers=2))
    assert len(pooled) == len(raw)
    for (a, found_a), (b, found_b) in zip(here, pooled, strict=True):
        assert a.equals(b)
        assert found_a == found_b
    total = sum((found for _, found in here), Counter())
    assert total["PERSON"] > 0 and total["EMAIL"] > 0  # the planted data was scrubbed


def test_a_makers_error_reaches_the_caller() -> None:
    bad = pa.RecordBatch.from_pylist([{"item_id": 1}])  # no data_class, no text, ...
    with pytest.raises(KeyError):
        list(make_batches(_maker(), [*_batches(200), bad], workers=2))


def test_maker_workers_is_zero_or_more_than_one() -> None:
    assert maker_workers() == 0 or maker_workers() > 1


def test_duckdb_engine_writes_the_same_bytes_on_workers(tmp_path: Path) -> None:
    written = {}
    for workers in (0, 2):
        out = DuckDBEngine(workers=workers).write_shards(
            iter(_batches()),
            _maker(),
            out_dir=tmp_path / f"out{workers}",
            scratch=tmp_path / f"scratch{workers}",
        )
        written[workers] = out
    here, pooled = written[0], written[2]
    assert [(f.shard, f.rows, f.sha256) for f in here.files] == [
        (f.shard, f.rows, f.sha256) for f in pooled.files
    ]
    assert here.lineage.read_bytes() == pooled.lineage.read_bytes()
    assert here.scrubbed == pooled.scrubbed
    assert here.duplicates_dropped == pooled.duplicates_dropped > 0
