"""Every dataset engine keeps the contract of `consentry.datasets.engines`, and they agree.

The same cases run on DuckDB and on Spark (one local[2] session for the module, from
conftest.py), against a reference written here in plain Python over the maker's records
(made in one batch, in this process): the engine makes the records itself — names planted in the raw rows come
out scrubbed, with the same counts — then within-shard dedup keeping the smallest
`record_id`, one file per shard in `record_id` order with exactly `RECORD_SCHEMA`, empty
shards as empty files, `only=`, lineage. Then the engines against each other: the same
input gives byte-identical shard and lineage files, and a whole `consentry datasets build
--engine spark` gives the DuckDB build's manifest but for the engine. Last, a dummy
engine that fails at a chosen step shows a failing engine leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from builders import grant, make_settings, members_by_shard, members_of, seed_network
from consentry.cli import main
from consentry.datasets.build import build_dataset
from consentry.datasets.engines import (
    LINEAGE_SCHEMA,
    EngineCapabilities,
    ShardFile,
    ShardWrite,
    file_sha256,
    get_engine,
    write_parquet,
)
from consentry.datasets.making import RAW_SCHEMA, RecordMaker
from consentry.datasets.records import (
    BUILD_SCHEMA,
    RECORD_SCHEMA,
    record_hash,
    record_id,
    shard_name,
    shard_of,
)
from consentry.datasets.scrub.known import ScrubberSpec
from consentry.datasets.successor import build_successor
from consentry.store.dataset_tables import DatasetStatus, DatasetVersionRow
from consentry.store.engine import session_scope

ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.slow)]
# One process runs the module (`make test` runs pytest-xdist), so one JVM starts.
pytestmark = pytest.mark.xdist_group("spark-engine")


@pytest.fixture
def engine_name(request) -> str:
    """The engine's name, from the test's parametrisation; Spark's session started."""
    if request.param == "spark":
        request.getfixturevalue("spark")
    return request.param


# -- input and the reference ----------------------------------------------------------

KEY = b"conformance record-id key"
# Names the network knows: planted in raw texts, they must reach no shard file.
PLANTED = ("Xanthippe Vordermeyer", "Quentin Aldaberry")


def _maker(shards: int) -> RecordMaker:
    spec = ScrubberSpec.of(PLANTED, ["qz_77"], ner=False)
    return RecordMaker(record_key=KEY, shards=shards, scrub=spec)


def _raw(n: int, *, members: int = 40, seed: int = 1, first_item: int = 1) -> list[dict]:
    """`n` raw rows: texts repeat (within and across shards, some only once a planted
    name is scrubbed), item ids are consecutive, so record ids are in no order."""
    rng = random.Random(seed)
    rows = []
    for item in range(first_item, first_item + n):
        member = 1 + rng.randrange(members)
        text = f"text {rng.randrange(n // 3 + 1)} — ünïcode"
        if rng.random() < 0.3:
            text += f", lunch with {rng.choice(PLANTED)}"
        rows.append(
            {
                "item_id": item,
                "data_class": rng.choice(["post", "comment", "profile"]),
                "member_id": member,
                "title": rng.choice([None, "", "Ingénieure", "Data lead"]),
                "text": text,
                "industry": rng.choice(["", "Software", None]),
                "country": rng.choice(["FR", "DE", ""]),
                "seniority": "",
                "titles": rng.choice([[], ["Engineer"], ["Engineer", "Lead"]]),
                "companies": rng.choice([[], None, ["Acme, ask qz_77"]]),
                "skills": rng.choice([[], ["SQL", "Python"]]),
                "year": 2020 + rng.randrange(6),
                "author_names": [f"Ottilie Member{member}", "Ottilie", f"Member{member}"],
            }
        )
    return rows


def _batches(rows: list[dict], sizes: Iterable[int] = (7, 130, 1, 500)) -> Iterator[pa.RecordBatch]:
    """`rows` as raw batches of varied sizes, as a build's chunks would come."""
    sizes = list(sizes)
    start, k = 0, 0
    while start < len(rows):
        size = sizes[k % len(sizes)]
        yield pa.RecordBatch.from_pylist(rows[start : start + size], schema=RAW_SCHEMA)
        start, k = start + size, k + 1


def _made(rows: list[dict], shards: int) -> tuple[list[dict], Counter]:
    """The maker's records of `rows`, made in one batch here, and its scrubbed counts."""
    batch = pa.RecordBatch.from_pylist(rows, schema=RAW_SCHEMA)
    records, scrubbed = _maker(shards).make(batch)
    return records.to_pylist(), scrubbed


def _reference(records: list[dict]) -> dict[int, list[dict]]:
    """shard -> kept records in record_id order: the smallest id of each (shard, content)."""
    best: dict[tuple, dict] = {}
    for row in records:
        key = (row["shard"], row["data_class"], row["title"], row["text"])
        if key not in best or row["record_id"] < best[key]["record_id"]:
            best[key] = row
    out: dict[int, list[dict]] = {}
    for row in sorted(best.values(), key=lambda r: r["record_id"]):
        out.setdefault(row["shard"], []).append(row)
    return out


def _write(name: str, rows, tmp: Path, *, shards: int = 4, only=None, tag: str = "") -> ShardWrite:
    out = tmp / f"{name}{tag}"
    return get_engine(name).write_shards(
        _batches(rows), _maker(shards), out_dir=out / "data", scratch=out / "scratch", only=only
    )


def _content(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_the_maker_makes_records_as_the_record_module_defines_them():
    rows = _raw(300)
    records, scrubbed = _made(rows, 4)
    for row, rec in zip(rows, records, strict=True):
        assert rec["record_id"] == record_id(KEY, row["data_class"], row["item_id"])
        assert rec["record_hash"] == record_hash(rec)
        assert (rec["member_id"], rec["shard"]) == (row["member_id"], shard_of(row["member_id"], 4))
        assert rec["title"] == (row["title"] or "") and rec["year"] == row["year"]
        assert not any(name in rec["text"] for name in PLANTED)
        assert "qz_77" not in "".join(rec["companies"])
    planted = sum(name in r["text"] for r in rows for name in PLANTED)
    handles = sum(bool(r["companies"]) for r in rows)
    assert planted > 0 and handles > 0
    assert scrubbed["PERSON"] >= planted and sum(scrubbed.values()) >= planted + handles
    # Cut into batches anywhere, the same records and counts.
    pieces = [_maker(4).make(b) for b in _batches(rows)]
    assert [r for records, _ in pieces for r in records.to_pylist()] == records
    assert sum((c for _, c in pieces), Counter()) == scrubbed


# -- the contract, on each engine ---------------------------------------------------------


@pytest.mark.parametrize("engine_name", ENGINES, indirect=True)
def test_each_shard_holds_the_reference_records_in_record_id_order(engine_name, tmp_path):
    rows = _raw(1_200)
    records, scrubbed = _made(rows, 4)
    expected = _reference(records)
    written = _write(engine_name, rows, tmp_path)

    # The engine made the records: scrubbed (the same spans counted once), then deduped.
    assert written.scrubbed == scrubbed and scrubbed["PERSON"] > 0
    texts = [r["text"] for f in written.files for r in _content(f.path)]
    assert not any(name in text for text in texts for name in PLANTED)

    assert [f.shard for f in written.files] == [0, 1, 2, 3]
    for f in written.files:
        assert f.path.name == shard_name(f.shard, 4)
        assert pq.read_schema(f.path).remove_metadata().equals(RECORD_SCHEMA)
        want = [{k: r[k] for k in RECORD_SCHEMA.names} for r in expected.get(f.shard, [])]
        assert _content(f.path) == want
        assert f.rows == len(want) and f.sha256 == file_sha256(f.path)
    assert {p.name for p in written.files[0].path.parent.iterdir()} == {
        shard_name(s, 4) for s in range(4)
    }
    kept = sum(len(v) for v in expected.values())
    assert written.duplicates_dropped == len(rows) - kept > 0
    # Some rows are duplicates only once their planted names are scrubbed.
    assert kept < len(
        {(r["member_id"], r["data_class"], r["title"] or "", r["text"]) for r in rows}
    )

    lineage = pq.read_table(written.lineage)
    assert lineage.schema.remove_metadata().equals(LINEAGE_SCHEMA)
    assert lineage.to_pylist() == [
        {k: r[k] for k in LINEAGE_SCHEMA.names}
        for shard in sorted(expected)
        for r in expected[shard]
    ]


@pytest.mark.parametrize("engine_name", ENGINES, indirect=True)
def test_dedup_keeps_the_smallest_record_id_within_a_shard_only(engine_name, tmp_path):
    # Members 1 and 5 share shard 1 of 2; member 2 is in shard 0. All wrote the same post,
    # two of them naming someone else: the same words once scrubbed.
    assert shard_of(1, 2) == shard_of(5, 2) != shard_of(2, 2)
    base = _raw(1)[0] | {"title": "", "data_class": "post"}
    rows = [
        base | {"item_id": 11, "member_id": 1, "text": f"lunch with {PLANTED[0]}"},
        base | {"item_id": 12, "member_id": 5, "text": f"lunch with {PLANTED[1]}"},
        base | {"item_id": 13, "member_id": 2, "text": f"lunch with {PLANTED[0]}"},
        # Same text, another data class: not a duplicate.
        base
        | {"item_id": 14, "member_id": 1, "text": "lunch with someone", "data_class": "comment"},
    ]
    ids = {row["item_id"]: record_id(KEY, row["data_class"], row["item_id"]) for row in rows}
    written = _write(engine_name, rows, tmp_path, shards=2)

    by_shard = {f.shard: [r["record_id"] for r in _content(f.path)] for f in written.files}
    assert by_shard == {0: [ids[13]], 1: sorted([min(ids[11], ids[12]), ids[14]])}
    assert written.duplicates_dropped == 1
    kept_in_1 = 1 if ids[11] < ids[12] else 5
    lineage = pq.read_table(written.lineage).to_pylist()
    assert [(r["member_id"], r["record_id"]) for r in lineage] == [
        (2, ids[13]),
        *sorted([(kept_in_1, min(ids[11], ids[12])), (1, ids[14])], key=lambda p: p[1]),
    ]


@pytest.mark.parametrize("engine_name", ENGINES, indirect=True)
def test_only_writes_those_shards_with_the_same_bytes(engine_name, tmp_path):
    rows = _raw(600)
    whole = _write(engine_name, rows, tmp_path, tag="-all")
    some = _write(engine_name, rows, tmp_path, only=[3, 1], tag="-some")

    assert [f.shard for f in some.files] == [1, 3]
    assert sorted(p.name for p in some.files[0].path.parent.iterdir()) == [
        shard_name(1, 4),
        shard_name(3, 4),
    ]
    sha = {f.shard: f.sha256 for f in whole.files}
    assert all(f.sha256 == sha[f.shard] for f in some.files)
    # Lineage still covers every record kept, in every shard.
    assert file_sha256(some.lineage) == file_sha256(whole.lineage)


@pytest.mark.parametrize("engine_name", ENGINES, indirect=True)
def test_empty_shards_and_an_empty_build_are_empty_files(engine_name, tmp_path):
    # Eight shards, members from two of them only.
    rows = [r for r in _raw(200, members=40) if shard_of(r["member_id"], 8) in (2, 5)]
    written = _write(engine_name, rows, tmp_path, shards=8, tag="-sparse")
    assert {f.shard for f in written.files if f.rows} == {2, 5}
    for f in written.files:
        assert pq.read_table(f.path).num_rows == f.rows
        assert pq.read_schema(f.path).remove_metadata().equals(RECORD_SCHEMA)

    nothing = _write(engine_name, [], tmp_path, shards=3, tag="-empty")
    assert [f.rows for f in nothing.files] == [0, 0, 0]
    assert all(f.path.exists() for f in nothing.files)
    assert pq.read_table(nothing.lineage).num_rows == 0
    assert nothing.duplicates_dropped == 0


def test_spark_engine_reports_its_capabilities():
    spark_engine, duck = get_engine("spark"), get_engine("duckdb")
    assert spark_engine.capabilities.distributed and not duck.capabilities.distributed
    assert spark_engine.capabilities.spills_to_disk and duck.capabilities.spills_to_disk


# -- the engines against each other --------------------------------------------------------


@pytest.mark.slow
def test_engines_write_byte_identical_files(spark, tmp_path):
    # One shard of 120,000 rows spans three row groups of `ROW_GROUP_ROWS`.
    # Shard 4 of 5 holds member 8 alone, with one short string a row (scrubbing costs).
    rows = [r for r in _raw(2_000, seed=2) if shard_of(r["member_id"], 5) != 4]
    bare = {"title": None, "industry": None, "titles": [], "companies": [], "skills": []}
    rows += [
        row | bare | {"member_id": 8, "text": f"w{row['item_id']}"}
        for row in _raw(120_000, members=1, seed=3, first_item=10_000)
    ]
    out = {name: _write(name, rows, tmp_path, shards=5) for name in ("duckdb", "spark")}

    duck, spk = out["duckdb"], out["spark"]
    assert [(f.shard, f.rows, f.sha256) for f in duck.files] == [
        (f.shard, f.rows, f.sha256) for f in spk.files
    ]
    assert pq.ParquetFile(duck.files[4].path).num_row_groups == 3
    assert file_sha256(duck.lineage) == file_sha256(spk.lineage)
    assert duck.duplicates_dropped == spk.duplicates_dropped
    assert duck.scrubbed == spk.scrubbed and duck.scrubbed["PERSON"] > 0


def _manifest(settings, dataset_id: str) -> dict:
    return json.loads((settings.data_dir / "datasets" / dataset_id / "manifest.json").read_text())


def _comparable(manifest: dict) -> dict:
    """A manifest less what differs between two builds of the same head: id, times, engine."""
    out = {k: v for k, v in manifest.items() if k not in ("id", "created_at", "engine")}
    out["as_of"] = {k: v for k, v in manifest["as_of"].items() if k != "time"}
    out["files"] = [{k: v for k, v in f.items() if k != "as_of_time"} for f in manifest["files"]]
    return out


@pytest.mark.slow
def test_a_spark_build_gives_the_duckdb_manifest_but_for_the_engine(
    spark, sqlite_engine, settings_env, monkeypatch, tmp_path, capsys
):
    url = sqlite_engine.url.render_as_string(False)
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", url)
    settings = make_settings(settings_env, url)
    seed_network(sqlite_engine, settings, members=60, seed=4)

    ids = {}
    for name in ("duckdb", "spark"):
        assert (
            main(["datasets", "build", "--purpose", "train-ai", "--shards", "4", "--engine", name])
            == 0
        )
        ids[name] = capsys.readouterr().out.split("built ", 1)[1].split(" ", 1)[0]

    duck, spk = (_manifest(settings, ids[n]) for n in ("duckdb", "spark"))
    assert duck["counts"]["records"] > 0
    assert _comparable(spk) == _comparable(duck)
    assert (duck["engine"]["name"], spk["engine"]["name"]) == ("duckdb", "spark")
    assert spk["engine"]["distributed"] is True
    with session_scope(sqlite_engine) as s:
        status = dict(s.execute(select(DatasetVersionRow.id, DatasetVersionRow.status)).all())
    assert status == {ids["duckdb"]: DatasetStatus.RETIRED, ids["spark"]: DatasetStatus.ACTIVE}

    # A withdrawal's successor is built by its parent's engine, and rewrites one shard.
    member = members_by_shard(sqlite_engine, ids["spark"])[1][0]
    grant(sqlite_engine, [member], "train-ai", action="withdraw")
    succession = build_successor(
        sqlite_engine, settings, ids["spark"], member_ids=(member,), reason="withdrawal"
    )
    assert (succession.rebuilt_shards, succession.reused_shards) == ((1,), (0, 2, 3))
    assert succession.records_removed > 0
    successor = _manifest(settings, succession.successor_id)
    assert successor["engine"]["name"] == "spark"
    assert member not in members_of(sqlite_engine, succession.successor_id)


def test_asking_for_spark_without_pyspark_says_how_to_install_it(sqlite_engine, settings_env):
    env = {
        **os.environ,
        "CONSENTRY_DATA_DIR": str(settings_env),
        "CONSENTRY_DATABASE_URL": sqlite_engine.url.render_as_string(False),
    }
    # The interpreter finds no pyspark: a `None` entry makes its import fail.
    code = "import sys; sys.modules['pyspark'] = None; from consentry.cli import main; sys.exit(main())"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "datasets",
            "build",
            "--purpose",
            "train-ai",
            "--engine",
            "spark",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "error: the spark engine needs PySpark: pip install 'consentry[spark]'"
    ]


# -- a failing engine leaves nothing half-written ---------------------------------------

STEPS = ("reading", "writing", "lineage", "returning")


class FailingEngine:
    """A small, real engine (pyarrow only, in memory) that raises after `fail_at`:
    after its first input batch, after its first shard file, after every shard file, or
    just before it returns a complete result."""

    name = "failing"
    capabilities = EngineCapabilities(
        spills_to_disk=False, distributed=False, description="fails on demand, for tests"
    )

    def __init__(self, fail_at: str) -> None:
        self.fail_at = fail_at

    def _step(self, step: str) -> None:
        if step == self.fail_at:
            raise RuntimeError(f"engine failed at {step}")

    def write_shards(self, raw, maker, *, out_dir, scratch, only=None) -> ShardWrite:
        shards = maker.shards
        out_dir.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(parents=True, exist_ok=True)
        rows = []
        scrubbed: Counter = Counter()
        for n, raw_batch in enumerate(raw):
            batch, found = maker.make(raw_batch)
            rows.extend(batch.to_pylist())
            scrubbed.update(found)
            if n == 0:
                self._step("reading")
        kept = _reference(rows)
        files = []
        for shard in range(shards):
            path = out_dir / shard_name(shard, shards)
            table = pa.Table.from_pylist(kept.get(shard, []), schema=BUILD_SCHEMA)
            write_parquet(table.select(RECORD_SCHEMA.names).to_batches(), RECORD_SCHEMA, path)
            files.append(ShardFile(shard, path, table.num_rows, file_sha256(path)))
            self._step("writing")
        self._step("lineage")
        lineage = scratch / "lineage.parquet"
        every = [r for shard in sorted(kept) for r in kept[shard]]
        table = pa.Table.from_pylist(every, schema=BUILD_SCHEMA).select(LINEAGE_SCHEMA.names)
        write_parquet(table.to_batches(), LINEAGE_SCHEMA, lineage)
        self._step("returning")
        return ShardWrite(files, lineage, len(rows) - len(every), scrubbed)


def test_the_failing_engine_keeps_the_contract(sqlite_engine, tmp_path):
    settings = make_settings(tmp_path / "data", sqlite_engine.url.render_as_string(False))
    seed_network(sqlite_engine, settings, members=40, seed=4)
    built = build_dataset(
        sqlite_engine, settings, purpose="train-ai", shards=3, engine=FailingEngine("")
    )
    assert built.engine == "failing" and built.counts["records"] > 0


@pytest.mark.parametrize("step", STEPS)
def test_an_engine_failing_at_any_step_leaves_nothing_half_written(sqlite_engine, tmp_path, step):
    settings = make_settings(tmp_path / "data", sqlite_engine.url.render_as_string(False))
    seed_network(sqlite_engine, settings, members=40, seed=4)
    earlier = build_dataset(sqlite_engine, settings, purpose="train-ai", shards=3)
    root = settings.data_dir / "datasets"
    before = {p: file_sha256(p) for p in (root / earlier.dataset_id).rglob("*") if p.is_file()}

    with pytest.raises(RuntimeError, match=f"engine failed at {step}"):
        build_dataset(
            sqlite_engine, settings, purpose="train-ai", shards=3, engine=FailingEngine(step)
        )

    # No row, no folder, no work folder; the earlier version active and untouched.
    assert sorted(p.name for p in root.iterdir()) == [earlier.dataset_id]
    with session_scope(sqlite_engine) as s:
        status = dict(s.execute(select(DatasetVersionRow.id, DatasetVersionRow.status)).all())
    assert status == {earlier.dataset_id: DatasetStatus.ACTIVE}
    assert {
        p: file_sha256(p) for p in (root / earlier.dataset_id).rglob("*") if p.is_file()
    } == before
