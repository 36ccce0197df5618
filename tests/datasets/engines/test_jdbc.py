"""On PostgreSQL the Spark engine's executors read a build's raw rows through JDBC, and
the build is byte for byte the one DuckDB makes from the driver's stream.

The network is built as of an earlier ledger position, after which one member's
structure changed (a position deleted, one added) and another member was erased: the
raw statement (`raw_query`) reads exactly the rows the driver reads, and DuckDB,
Spark over JDBC and Spark over the driver's stream (no jar) write the same shards,
lineage and counts. `ShardWrite.read` shows which way Spark read, so a JDBC case cannot
pass by falling back; a database the JDBC source cannot open is read through the driver,
with one line that says so. A whole `consentry datasets build --engine spark` on PostgreSQL
gives the DuckDB manifest but for the engine, and never falls back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from builders import seed_network
from consentry.cli import main
from consentry.consent import ledger
from consentry.datasets import snapshot as snapshots
from consentry.datasets.build import record_maker, selection, stream_raw, write_selection
from consentry.datasets.engines import ShardWrite, file_sha256, get_engine
from consentry.datasets.raw_query import (
    compile_postgresql,
    jdbc_location,
    raw_query,
    raw_statement,
)
from consentry.rights.erasure import erase
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Position

pytestmark = pytest.mark.xdist_group("spark-engine")
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
DELETED_TITLE, ADDED_TITLE = "Harbour Cartographer", "Lighthouse Keeper"
FALLBACK = "through the build's driver instead"


def _network(engine, settings):
    """The network as of an earlier position, and (changed member, erased member)."""
    seed_network(engine, settings, members=60, seed=4, recruiters_consent=True)
    with session_scope(engine) as s:
        position = ledger.head(s).seq
        snap = snapshots.take(s, purpose="train-ai")
    rows = [r for b in stream_raw(engine, snap, shards=4, names={}, total=0) for r in b.to_pylist()]
    profiles = sorted(r["member_id"] for r in rows if r["data_class"] == "profile" and r["titles"])
    changed, erased = profiles[0], profiles[1]
    now = utcnow()
    with session_scope(engine) as s:
        first = s.scalars(
            select(Position)
            .where(Position.member_id == changed)
            .order_by(Position.started_on, Position.id)
        ).first()
        assert first is not None
        # Positions keep no revisions: the title reads the same as of any time.
        first.title, first.deleted_at, first.updated_at = DELETED_TITLE, now, now
        s.add(
            Position(
                member_id=changed,
                title=ADDED_TITLE,
                company="Northern Lights",
                started_on=date(2024, 1, 1),
                created_at=now,
                updated_at=now,
            )
        )
    erase(engine, settings, erased, source="admin", actor="test")
    with session_scope(engine) as s:
        snap = snapshots.take(s, purpose="train-ai", as_of=position)
    return snap, changed, erased


def _write(engine, settings, snap, name: str, tmp: Path) -> ShardWrite:
    return write_selection(
        engine,
        settings,
        get_engine(name),
        snap,
        shards=4,
        out_dir=tmp / name / "data",
        scratch=tmp / name / "scratch",
        total=0,
    )


def _records_of(written: ShardWrite, member: int) -> list[dict]:
    ids = {
        r["record_id"]
        for r in pq.read_table(written.lineage).to_pylist()
        if r["member_id"] == member
    }
    return [
        r for f in written.files for r in pq.read_table(f.path).to_pylist() if r["record_id"] in ids
    ]


@ON_POSTGRESQL
def test_the_raw_statement_reads_what_the_driver_reads(engine, settings):
    snap, changed, erased = _network(engine, settings)
    with session_scope(engine) as s:
        _, names = record_maker(s, settings, shards=4)
        sql = compile_postgresql(raw_statement(selection(snap, shards=4), at=snap.at))
    with engine.connect() as conn:
        got = [dict(r._mapping) for r in conn.exec_driver_sql(sql)]
    want = [
        r for b in stream_raw(engine, snap, shards=4, names=names, total=0) for r in b.to_pylist()
    ]

    def same(row: dict) -> dict:
        # The maker reads a NULL list as an empty one.
        out = {k: v for k, v in row.items() if k != "author_names"}
        return out | {k: row[k] or [] for k in ("titles", "companies", "skills")}

    def key(row: dict):
        return (row["data_class"], row["item_id"])

    assert sorted(map(same, got), key=key) == sorted(map(same, want), key=key)
    assert {r["data_class"] for r in want} >= {"profile", "post", "comment", "job"}
    profile = next(r for r in want if r["data_class"] == "profile" and r["member_id"] == changed)
    assert DELETED_TITLE in profile["titles"] and ADDED_TITLE not in profile["titles"]
    assert erased not in {r["member_id"] for r in want}


@pytest.mark.slow
@ON_POSTGRESQL
def test_spark_over_jdbc_writes_the_duckdb_files(
    spark, engine, settings, tmp_path, monkeypatch, caplog
):
    snap, changed, erased = _network(engine, settings)
    with caplog.at_level(logging.WARNING, logger="consentry"):
        duck = _write(engine, settings, snap, "duckdb", tmp_path)
        spk = _write(engine, settings, snap, "spark", tmp_path)
    assert not caplog.records
    # Without the jar, Spark reads the driver's stream: one line says so and how to fix it.
    monkeypatch.setenv("CONSENTRY_SPARK_JDBC_JAR", str(tmp_path / "missing.jar"))
    with caplog.at_level(logging.WARNING, logger="consentry"):
        arrow = _write(engine, settings, snap, "spark", tmp_path / "no-jar")
    assert [r.getMessage().count("\n") for r in caplog.records] == [0]
    assert "apt-get install libpostgresql-jdbc-java" in caplog.records[0].getMessage()

    assert (duck.read, spk.read, arrow.read) == ("arrow", "jdbc", "arrow")
    for other in (spk, arrow):
        assert [(f.shard, f.rows, f.sha256) for f in other.files] == [
            (f.shard, f.rows, f.sha256) for f in duck.files
        ]
        assert file_sha256(other.lineage) == file_sha256(duck.lineage)
        assert other.duplicates_dropped == duck.duplicates_dropped
        assert other.scrubbed == duck.scrubbed
    assert sum(f.rows for f in duck.files) > 0 and duck.scrubbed["PERSON"] > 0

    # As of the snapshot: the position deleted since is there, the one added since is not;
    # the member erased since has no record.
    (profile,) = [r for r in _records_of(spk, changed) if r["data_class"] == "profile"]
    assert DELETED_TITLE in profile["titles"] and ADDED_TITLE not in profile["titles"]
    assert not _records_of(spk, erased)


@pytest.mark.slow
@ON_POSTGRESQL
def test_a_database_jdbc_cannot_open_is_read_through_the_driver(
    spark, engine, settings, tmp_path, caplog
):
    seed_network(engine, settings, members=30, seed=4)
    with session_scope(engine) as s:
        snap = snapshots.take(s, purpose="train-ai")
        maker, names = record_maker(s, settings, shards=2)
        query = raw_query(
            s,
            engine.url,
            selection(snap, shards=2),
            at=snap.at,
            names=names,
            stream=lambda: stream_raw(engine, snap, shards=2, names=names, total=0),
        )
    assert query is not None
    # Nothing listens on port 1: the JDBC source fails while it reads the schema.
    closed = replace(query, jdbc_url=query.jdbc_url.replace(f":{engine.url.port or 5432}/", ":1/"))
    assert closed.jdbc_url != query.jdbc_url
    with caplog.at_level(logging.WARNING, logger="consentry"):
        spk = get_engine("spark").write_shards_from_query(
            closed, maker, out_dir=tmp_path / "spark" / "data", scratch=tmp_path / "spark" / "s"
        )
    assert [r.getMessage().count("\n") for r in caplog.records] == [0]
    assert FALLBACK in caplog.records[0].getMessage()
    duck = get_engine("duckdb").write_shards(
        query.stream(), maker, out_dir=tmp_path / "duck" / "data", scratch=tmp_path / "duck" / "s"
    )
    assert spk.read == "arrow" and sum(f.rows for f in spk.files) > 0
    assert [f.sha256 for f in spk.files] == [f.sha256 for f in duck.files]
    assert file_sha256(spk.lineage) == file_sha256(duck.lineage)


def _manifest(settings, dataset_id: str) -> dict:
    return json.loads((settings.data_dir / "datasets" / dataset_id / "manifest.json").read_text())


def _comparable(manifest: dict) -> dict:
    out = {k: v for k, v in manifest.items() if k not in ("id", "created_at", "engine")}
    out["as_of"] = {k: v for k, v in manifest["as_of"].items() if k != "time"}
    out["files"] = [{k: v for k, v in f.items() if k != "as_of_time"} for f in manifest["files"]]
    return out


@pytest.mark.slow
@ON_POSTGRESQL
def test_a_spark_build_on_postgresql_gives_the_duckdb_manifest(
    spark, engine, settings, capsys, caplog
):
    seed_network(engine, settings, members=60, seed=4, recruiters_consent=True)
    ids = {}
    with caplog.at_level(logging.WARNING, logger="consentry"):
        for name in ("duckdb", "spark"):
            argv = ["datasets", "build", "--purpose", "train-ai", "--shards", "4"]
            assert main([*argv, "--engine", name]) == 0
            out = capsys.readouterr()
            ids[name] = out.out.split("built ", 1)[1].split(" ", 1)[0]
            assert FALLBACK not in out.err
    assert not [r for r in caplog.records if FALLBACK in r.getMessage()]
    duck, spk = (_manifest(settings, ids[n]) for n in ("duckdb", "spark"))
    assert duck["counts"]["records"] > 0
    assert _comparable(spk) == _comparable(duck)
    assert (duck["engine"]["name"], spk["engine"]["name"]) == ("duckdb", "spark")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://ann:s%40cret@db.example:6543/net?sslmode=require",
            (
                "jdbc:postgresql://db.example:6543/net",
                {"user": "ann", "password": "s@cret", "sslmode": "require"},
            ),
        ),
        (
            "postgresql://postgres@127.0.0.1/test",
            ("jdbc:postgresql://127.0.0.1:5432/test", {"user": "postgres"}),
        ),
        ("postgresql+psycopg:///test", ("jdbc:postgresql://localhost:5432/test", {})),
        ("postgresql+psycopg://[::1]:5433/test", ("jdbc:postgresql://[::1]:5433/test", {})),
        # A Unix socket, which the JDBC driver does not reach; not PostgreSQL at all.
        ("postgresql+psycopg:///test?host=/var/run/postgresql", None),
        ("sqlite:///consentry.db", None),
    ],
)
def test_jdbc_location_of_a_database_url(url, expected):
    assert jdbc_location(make_url(url)) == expected
