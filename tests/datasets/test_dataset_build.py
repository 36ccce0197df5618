"""Dataset builds: only consented, live, adult, allowed content gets in; nothing private or
personal leaks; builds are reproducible, provable and published atomically."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, insert, select, update

from consentry.cli import main
from consentry.consent.ledger import ledger_session
from consentry.consent.policy import load_policy
from consentry.consent.record import record_choice
from consentry.consent.versions import publish
from consentry.datasets.audit import audit_dataset
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import list_datasets
from consentry.datasets.records import record_id
from consentry.network.publishing import publish_post
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member, Message, PlantedPII, Post, Profile


def _member(session, region: str, *, age: int) -> int:
    new_id = (session.scalar(select(func.max(Member.id))) or 0) + 1
    now = utcnow()
    born = date(now.year - age, 1, 1) if age >= 18 else date(now.year - age, 12, 31)
    session.execute(
        insert(Member),
        [
            {
                "id": new_id,
                "handle": f"canary{new_id}",
                "first_name": "Quill",
                "last_name": f"Canary{new_id}",
                "display_name": f"Quill Canary{new_id}",
                "email": f"canary{new_id}@example.test",
                "password_hash": "x",
                "region": region,
                "birth_date": born,
                "role": "member",
                "premium": False,
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
            }
        ],
    )
    session.execute(
        insert(Profile),
        [
            {
                "member_id": new_id,
                "headline": "Engineer",
                "about": "",
                "industry": "Software",
                "location": "",
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
            }
        ],
    )
    return new_id


def _canary() -> str:
    return f"zq{secrets.token_hex(8)}"


def _dataset_bytes(path: Path) -> bytes:
    """Every value of every shard, decompressed, as one byte string."""
    out = []
    for shard in sorted((path / "data").glob("*.parquet")):
        table = pq.read_table(shard)
        out.append(json.dumps(table.to_pylist(), ensure_ascii=False).encode())
    for doc in ("manifest.json", "datasheet.md", "croissant.json"):
        out.append((path / doc).read_bytes())
    return b"\n".join(out)


def _plant_canaries(engine) -> dict[str, str]:
    """Canary strings in content that must never reach a train-genai dataset, plus one
    (`consented`) that must, proving the search can find them."""
    c = {
        k: _canary()
        for k in (
            "consented",
            "no_consent",
            "under_age",
            "deleted",
            "no_ai",
            "message",
            "withdrawn",
        )
    }
    with ledger_session(engine) as s:
        adult = _member(s, "US-CA", age=35)
        silent = _member(s, "FR", age=40)
        minor = _member(s, "DE", age=14)  # Germany: age of digital consent 16
        withdrew = _member(s, "GB", age=50)
        for m in (adult, minor, withdrew):
            record_choice(s, m, "train-genai", "grant", source="settings", actor="member")
        record_choice(s, withdrew, "train-genai", "withdraw", source="settings", actor="member")
        publish_post(s, author_id=adult, text=f"Consented post {c['consented']} about data.")
        publish_post(s, author_id=silent, text=f"Silent member post {c['no_consent']}.")
        publish_post(s, author_id=minor, text=f"Minor's post {c['under_age']}.")
        publish_post(s, author_id=withdrew, text=f"Withdrawn member post {c['withdrawn']}.")
        gone = publish_post(s, author_id=adult, text=f"Deleted post {c['deleted']}.")
        s.execute(update(Post).where(Post.id == gone.id).values(deleted_at=utcnow()))
        publish_post(
            s, author_id=adult, text=f"Opted-out post {c['no_ai']}.", usage={"train-ai": False}
        )
        now = utcnow()
        s.execute(
            insert(Message),
            [
                {
                    "sender_id": adult,
                    "recipient_id": silent,
                    "text": f"Private {c['message']}",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    return c


@pytest.mark.slow
def test_canaries_never_reach_a_dataset(engine, settings, seeded):
    seeded(engine, settings, members=160)
    canaries = _plant_canaries(engine)
    result = build_dataset(engine, settings, purpose="train-genai", shards=4)
    blob = _dataset_bytes(result.path)
    assert canaries.pop("consented").encode() in blob
    leaked = {k: v for k, v in canaries.items() if v.encode() in blob}
    assert leaked == {}
    assert result.excluded["under_age"] >= 1
    assert result.excluded["deleted"] >= 1
    assert result.excluded["item_preference"] >= 1
    assert result.excluded["no_consent"] >= 2
    assert result.excluded["private"] >= 1
    assert audit_dataset(engine, settings, result.dataset_id).ok


def test_excluded_jurisdictions_never_reach_a_dataset(sqlite_engine, sqlite_settings, seeded):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=80)
    eu, us = _canary(), _canary()
    with ledger_session(engine) as s:
        publish(s, load_policy("linkedin-2024"), notice_days=0)
        german = _member(s, "DE", age=40)
        texan = _member(s, "US-TX", age=40)
        record_choice(s, german, "train-genai", "grant", source="settings", actor="member")
        publish_post(s, author_id=german, text=f"Post from Berlin {eu}.")
        publish_post(s, author_id=texan, text=f"Post from Austin {us}.")
    result = build_dataset(engine, settings, purpose="train-genai", shards=2)
    blob = _dataset_bytes(result.path)
    assert eu.encode() not in blob  # excluded in the EU whatever the member chose
    assert us.encode() in blob  # legitimate interest: on by default in the US
    assert result.excluded["jurisdiction"] >= 1


def test_consenting_members_planted_personal_data_never_appears(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=200, seed=9)
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", shards=3)
    records = {
        r["record_id"]: r
        for f in (result.path / "data").glob("*.parquet")
        for r in pq.read_table(f).to_pylist()
    }
    key = sqlite_settings.secret_key()
    with session_scope(sqlite_engine) as s:
        planted = s.execute(
            select(PlantedPII.data_class, PlantedPII.item_id, PlantedPII.type, PlantedPII.value)
        ).all()
    # Every planted value in an item that made it into the dataset: gone from its record.
    checked, leaks = 0, []
    for data_class, item_id, kind, value in planted:
        record = records.get(record_id(key, data_class, item_id))
        if record is None:
            continue
        checked += 1
        if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", f"{record['title']} {record['text']}"):
            leaks.append((kind, value))
    assert checked > 50
    assert leaks == []
    assert sum(result.scrubbed.values()) > 0


def test_records_carry_no_member_id_and_each_member_sits_in_one_shard(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=120)
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-ai", shards=4)
    schema = pq.read_schema(next((result.path / "data").glob("*.parquet")))
    assert "member_id" not in schema.names and "shard" not in schema.names
    with session_scope(sqlite_engine) as s:
        rows = s.execute(
            select(DatasetLineageRow.member_id, DatasetLineageRow.shard).where(
                DatasetLineageRow.dataset_id == result.dataset_id
            )
        ).all()
    shards_of: dict[int, set[int]] = {}
    for member_id, shard in rows:
        shards_of.setdefault(member_id, set()).add(shard)
    assert shards_of and all(len(v) == 1 for v in shards_of.values())
    assert len(rows) == result.counts["records"]
    profiles = [
        r
        for f in (result.path / "data").glob("*.parquet")
        for r in pq.read_table(f).to_pylist()
        if r["data_class"] == "profile"
    ]
    assert any(r["skills"] and r["titles"] for r in profiles)


def test_the_same_build_twice_gives_identical_record_hashes(sqlite_engine, sqlite_settings, seeded):
    seeded(sqlite_engine, sqlite_settings, members=100)
    first = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", shards=3)
    # Later events must not change a build as of the same ledger position.
    with ledger_session(sqlite_engine) as s:
        for member_id in s.scalars(select(Member.id).limit(20)):
            record_choice(s, member_id, "train-genai", "grant", source="api", actor="member")
    again = build_dataset(
        sqlite_engine, sqlite_settings, purpose="train-genai", shards=3, as_of=first.snapshot.seq
    )
    assert first.snapshot.seq == again.snapshot.seq

    def hashes(result):
        return sorted(
            h
            for f in (result.path / "data").glob("*.parquet")
            for h in pq.read_table(f).column("record_hash").to_pylist()
        )

    assert hashes(first) == hashes(again)
    assert [f["sha256"] for f in first.files] == [f["sha256"] for f in again.files]


def test_a_tampered_shard_fails_the_audit(sqlite_engine, sqlite_settings, capsys, seeded):
    seeded(sqlite_engine, sqlite_settings, members=100)
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", shards=2)
    assert main(["datasets", "audit", result.dataset_id]) == 0
    shard = next(
        f for f in (result.path / "data").glob("*.parquet") if pq.read_metadata(f).num_rows
    )
    table = pq.read_table(shard).to_pylist()
    table[0]["text"] = table[0]["text"] + " (edited)"
    pq.write_table(pq.read_table(shard).from_pylist(table, schema=pq.read_schema(shard)), shard)
    capsys.readouterr()
    assert main(["datasets", "audit", result.dataset_id]) == 1
    out = capsys.readouterr().out
    assert "no longer matches its sha256" in out
    assert "does not match its recorded hash" in out


def test_an_audit_catches_a_lineage_that_names_another_author(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=100)
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", shards=2)
    # Forge the lineage: claim a record came from a member who never allowed the purpose.
    # The audit reads the author from the item itself, so it sees the lineage lie (and a
    # withdrawal by the real author would not have found the record).
    with session_scope(sqlite_engine) as s:
        silent = _member(s, "FR", age=40)
        row = s.scalars(
            select(DatasetLineageRow)
            .where(DatasetLineageRow.dataset_id == result.dataset_id)
            .limit(1)
        ).one()
        row.member_id, author = silent, row.member_id
    report = audit_dataset(sqlite_engine, sqlite_settings, result.dataset_id)
    assert [(f.kind, f.member_id) for f in report.findings] == [("lineage", author)]
    assert f"names member {silent}" in report.violations[0]


def test_dry_run_writes_nothing(sqlite_engine, sqlite_settings, seeded):
    seeded(sqlite_engine, sqlite_settings, members=60)
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-ai", dry_run=True)
    assert result.dry_run and result.counts["eligible_items"] > 0
    assert not (sqlite_settings.data_dir / "datasets").exists()
    with session_scope(sqlite_engine) as s:
        assert list_datasets(s) == []


def test_ctrl_c_mid_build_leaves_no_dataset_and_a_rerun_works(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=120)

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", progress=interrupt)
    root = sqlite_settings.data_dir / "datasets"
    assert [p.name for p in root.iterdir()] == [] if root.exists() else True
    with session_scope(sqlite_engine) as s:
        assert list_datasets(s) == []
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai")
    assert [p.name for p in root.iterdir()] == [result.dataset_id]


@pytest.mark.slow
def test_a_killed_build_leaves_nothing_visible_and_a_rerun_works(
    sqlite_engine, sqlite_settings, seeded
):
    seeded(sqlite_engine, sqlite_settings, members=400)
    env = {**os.environ, "CONSENTRY_DATABASE_URL": str(sqlite_engine.url)}
    root = sqlite_settings.data_dir / "datasets"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from consentry.cli import main; main()",
            "datasets",
            "build",
            "--purpose",
            "train-genai",
            "--shards",
            "8",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if root.exists() and any(p.name.startswith(".staging-") for p in root.iterdir()):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with session_scope(sqlite_engine) as s:
        visible = list_datasets(s)
    published = [p for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []
    # Either the kill landed before publication (nothing visible) or after (complete).
    for dataset in visible:
        assert audit_dataset(sqlite_engine, sqlite_settings, dataset.id).ok
    assert {p.name for p in published} <= {d.id for d in visible} | {p.name for p in published}
    result = build_dataset(sqlite_engine, sqlite_settings, purpose="train-genai", shards=8)
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert audit_dataset(sqlite_engine, sqlite_settings, result.dataset_id).ok


def test_bad_input_is_one_clear_line(sqlite_engine, sqlite_settings, capsys, seeded):
    seeded(sqlite_engine, sqlite_settings, members=30)
    for args, needle in (
        (["datasets", "build", "--purpose", "sell-data"], "unknown purpose"),
        (["datasets", "build", "--purpose", "train-ai", "--as-of", "999999"], "does not exist"),
        (["datasets", "show", "nope"], "no dataset version"),
        (
            ["datasets", "build", "--purpose", "train-ai", "--engine", "pandas"],
            "unknown dataset engine",
        ),
    ):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err
    assert not (sqlite_settings.data_dir / "datasets").exists() or not any(
        (sqlite_settings.data_dir / "datasets").iterdir()
    )


def test_a_build_as_of_a_position_before_an_erasure_leaves_the_erased_member_out(
    sqlite_engine, sqlite_settings, seeded
):
    from consentry.rights.erasure import erase

    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=100)
    first = build_dataset(engine, settings, purpose="train-genai", shards=2)
    with session_scope(engine) as s:
        member = s.scalars(
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == first.dataset_id)
            .limit(1)
        ).one()
    erase(engine, settings, member, source="admin", actor="test")
    again = build_dataset(
        engine, settings, purpose="train-genai", shards=2, as_of=first.snapshot.seq
    )
    with session_scope(engine) as s:
        members = set(
            s.scalars(
                select(DatasetLineageRow.member_id).where(
                    DatasetLineageRow.dataset_id == again.dataset_id
                )
            )
        )
    assert member not in members
    assert again.counts["records"] < first.counts["records"]
