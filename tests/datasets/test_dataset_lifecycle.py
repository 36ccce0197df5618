"""The life of a dataset version: an as-of build reproduces the past and never becomes
trainable, a version that becomes active honours every withdrawal recorded up to its
publication, a successor states only positions it checked its shards at, one version per
purpose is active (plus those pinned by a model), and retired files go after the
retention period."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from builders import edit_post, members_by_shard, members_of
from consentry.cli import main
from consentry.config import ConfigError, load_settings
from consentry.consent.ledger import head, ledger_session
from consentry.consent.record import record_choice
from consentry.datasets.audit import audit_dataset
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import datasets_holding, get_dataset, list_datasets
from consentry.datasets.lifecycle import reconcile, standings
from consentry.datasets.records import record_id
from consentry.datasets.successor import build_successor
from consentry.errors import Conflict
from consentry.keys import KeyPurpose, Keyring
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import run_worker
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Post
from consentry.training.registry import get_model
from consentry.training.sisa import train_feature


def _status(engine, dataset_id: str) -> str:
    with session_scope(engine) as s:
        return get_dataset(s, dataset_id).status


def _active(engine, purpose: str) -> set[str]:
    with session_scope(engine) as s:
        return {d.id for d in list_datasets(s, purpose=purpose) if d.status == "active"}


def test_an_as_of_build_after_a_propagated_withdrawal_is_a_reproduction_nothing_trains_on(
    engine, settings, seeded, capsys
):
    seeded(engine, settings, members=100)
    first = build_dataset(engine, settings, purpose="train-ai", shards=2)
    member = min(members_of(engine, first.dataset_id))
    withdraw(engine, settings, member, "train-ai", source="settings", actor="member")
    (outcome,) = run_worker(engine, settings, once=True)
    assert outcome.status == "done"

    again = build_dataset(engine, settings, purpose="train-ai", shards=2, as_of=first.snapshot.seq)

    # The past, exactly: the same records as the first build, the member included ...
    assert again.reproduction and "reproduction" in again.summary()
    assert members_of(engine, again.dataset_id) == members_of(engine, first.dataset_id)
    assert sorted(f["sha256"] for f in again.files) == sorted(f["sha256"] for f in first.files)
    # ... but never usable: not active, not a holder a withdrawal must follow, refused by
    # training, and the newest active version (the successor) is untouched.
    assert _status(engine, again.dataset_id) == DatasetStatus.REPRODUCTION
    with session_scope(engine) as s:
        assert datasets_holding(s, member) == []
    with pytest.raises(Conflict, match="active"):
        train_feature(engine, settings, "skills", dataset_id=again.dataset_id)
    successor = outcome.datasets[0][1]
    assert _active(engine, "train-ai") == {successor}
    manifest = get_dataset_manifest(engine, settings, again.dataset_id)
    assert manifest["published_as"] == "reproduction"
    assert "Never used for training" in (again.path / "datasheet.md").read_text()
    assert audit_dataset(engine, settings, again.dataset_id).ok
    capsys.readouterr()
    assert main(["datasets", "list", "--purpose", "train-ai"]) == 0
    assert "reproduction" in capsys.readouterr().out


def get_dataset_manifest(engine, settings, dataset_id: str) -> dict:
    with session_scope(engine) as s:
        return get_dataset(s, dataset_id).manifest(settings.data_dir)


def test_a_withdrawal_propagated_while_a_build_runs_never_reaches_the_published_version(
    engine, settings, seeded
):
    seeded(engine, settings, members=100)
    earlier = build_dataset(engine, settings, purpose="train-genai", shards=2)
    member = min(members_of(engine, earlier.dataset_id))
    done = []

    def withdraw_mid_build(rows: int, total: int) -> None:
        # The build's snapshot predates this withdrawal, and its propagation finishes
        # (on the versions that exist) before the build publishes.
        if not done:
            withdraw(engine, settings, member, "train-genai", source="settings", actor="m")
            done.extend(run_worker(engine, settings, once=True))

    result = build_dataset(
        engine, settings, purpose="train-genai", shards=2, progress=withdraw_mid_build
    )
    assert done and done[0].status == "done"
    assert member not in members_of(engine, result.dataset_id)
    with session_scope(engine) as s:
        assert datasets_holding(s, member) == []
        assert head(s).seq == result.snapshot.seq  # rebuilt at the head it was checked at
    assert result.snapshot.seq > earlier.snapshot.seq
    assert _active(engine, "train-genai") == {result.dataset_id}
    assert audit_dataset(engine, settings, result.dataset_id).ok


def test_a_successor_rechecks_every_shard_at_the_position_it_states(engine, settings, seeded):
    seeded(engine, settings, members=150)
    parent = build_dataset(engine, settings, purpose="train-genai", shards=4)
    by_shard = members_by_shard(engine, parent.dataset_id)
    assert len(by_shard) == 4
    # A withdraws without propagation (say, the worker was down); B's withdrawal is the
    # one the successor is made for; C edits a post after the parent was built.
    (a_shard, b_shard, c_shard, quiet) = sorted(by_shard)
    a, b = by_shard[a_shard][0], by_shard[b_shard][0]
    with session_scope(engine) as s:
        candidates = s.scalars(
            select(Post).where(Post.member_id.in_(by_shard[c_shard]), Post.deleted_at.is_(None))
        ).all()
    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    in_parent = set(
        pq.read_table(parent.path / "data" / f"shard-{c_shard:05d}-of-00004.parquet")
        .column("record_id")
        .to_pylist()
    )
    post = next(p for p in candidates if record_id(key, p.kind, p.id) in in_parent)
    with ledger_session(engine) as s:
        record_choice(s, a, "train-genai", "withdraw", source="settings", actor="member")
    with ledger_session(engine) as s:
        record_choice(s, b, "train-genai", "withdraw", source="settings", actor="member")
    edit_post(engine, post.id, "Rewritten after the parent version was built.")

    result = build_successor(engine, settings, parent.dataset_id, member_ids=(b,), reason="b")

    with session_scope(engine) as s:
        successor = get_dataset(s, result.successor_id)
        now_at = head(s).seq
    held = members_of(engine, result.successor_id)
    assert a not in held and b not in held
    texts = {
        r["record_id"]: r["text"]
        for f in (successor.folder(settings.data_dir) / "data").glob("*.parquet")
        for r in pq.read_table(f).to_pylist()
    }
    assert (
        texts[record_id(key, post.kind, post.id)] == "Rewritten after the parent version was built."
    )
    # Only the untouched shard keeps the parent's file; every shard states the position
    # it was checked at, which is the successor's own.
    assert set(result.rebuilt_shards) == {a_shard, b_shard, c_shard}
    assert result.reused_shards == (quiet,)
    manifest = successor.manifest(settings.data_dir)
    assert manifest["as_of"]["seq"] == now_at
    assert {f["as_of_seq"] for f in manifest["files"]} == {now_at}
    reused = [f for f in manifest["files"] if f["reused"]]
    assert [(f["shard"], f["reused_from"]) for f in reused] == [(quiet, parent.dataset_id)]
    # Counts describe the whole version, not the rebuilt shards.
    rows = sum(f["rows"] for f in manifest["files"])
    with session_scope(engine) as s:
        lineage = s.execute(
            select(DatasetLineageRow.member_id).where(
                DatasetLineageRow.dataset_id == result.successor_id
            )
        ).all()
    assert manifest["counts"]["records"] == rows == len(lineage) == successor.records
    assert manifest["counts"]["members"] == len(held) == successor.members
    dry = build_dataset(engine, settings, purpose="train-genai", shards=4, dry_run=True)
    assert manifest["counts"]["eligible_items"] == dry.counts["eligible_items"]
    assert manifest["excluded"] == dry.excluded
    assert audit_dataset(engine, settings, result.successor_id).ok


def test_one_active_version_per_purpose_plus_those_pinned_by_a_model(engine, settings, seeded):
    seeded(engine, settings, members=120, recruiters_consent=True)
    first = build_dataset(engine, settings, purpose="train-ai", shards=2).dataset_id
    second = build_dataset(engine, settings, purpose="train-ai", shards=2).dataset_id
    assert _status(engine, first) == "retired" and _active(engine, "train-ai") == {second}
    model = train_feature(engine, settings, "skills", dataset_id=second)
    third = build_dataset(engine, settings, purpose="train-ai", shards=2).dataset_id
    assert _active(engine, "train-ai") == {second, third}
    with session_scope(engine) as s:
        seen = standings(s, settings, list_datasets(s, purpose="train-ai"))
    assert {i: seen[i].label for i in (first, second, third)} == {
        first: "retired",
        second: "pinned",
        third: "active",
    }

    member = min(members_of(engine, second) & members_of(engine, third))
    withdraw(engine, settings, member, "train-ai", source="settings", actor="member")
    (outcome,) = run_worker(engine, settings, once=True)
    # Only the active versions are touched: the retired one is left as it was.
    assert {parent for parent, _ in outcome.datasets} == {second, third}
    successors = {child for _, child in outcome.datasets}
    assert _active(engine, "train-ai") == successors
    with session_scope(engine) as s:
        moved = get_model(s, outcome.models[0][1])
    assert outcome.models[0][0] == model.id and moved.dataset_id in successors

    # Once the model is trained on the current line, the pinned line is retired by the
    # next sweep.
    current = next(c for p, c in outcome.datasets if p == third)
    train_feature(engine, settings, "skills", dataset_id=current)
    reconcile(engine, settings)
    assert _active(engine, "train-ai") == {current}


def test_retired_files_go_after_the_retention_period(engine, settings, seeded, capsys):
    seeded(engine, settings, members=60)
    kept = dataclasses.replace(settings, dataset_retention_days=30)
    first = build_dataset(engine, kept, purpose="train-ai", shards=2)
    second = build_dataset(engine, kept, purpose="train-ai", shards=2)
    reconcile(engine, kept)
    assert list((first.path / "data").glob("*.parquet"))  # retired, within retention
    with session_scope(engine) as s:
        retired = get_dataset(s, first.dataset_id)
        seen = standings(s, kept, [retired])[first.dataset_id]
    assert seen.files_due == retired.retired_at + timedelta(days=30)
    assert seen.files.startswith("kept until")

    expired = dataclasses.replace(settings, dataset_retention_days=0)
    assert reconcile(engine, expired).purged == (first.dataset_id,)
    assert list((first.path / "data").glob("*.parquet")) == []
    assert (first.path / "manifest.json").exists()  # the record of what existed stays
    assert list((second.path / "data").glob("*.parquet"))  # the active one is untouched
    with session_scope(engine) as s:
        row = s.get(DatasetVersionRow, first.dataset_id)
        assert row is not None and row.files_deleted_at is not None
        assert row.files_deleted_at <= utcnow()
    assert reconcile(engine, expired).purged == ()  # once only
    capsys.readouterr()
    assert main(["datasets", "list"]) == 0
    assert "deleted" in capsys.readouterr().out


def test_the_retention_setting_is_read_and_checked():
    base = {"CONSENTRY_DATA_DIR": "/tmp/consentry-retention"}
    assert load_settings(base).dataset_retention_days == 30
    assert (
        load_settings({**base, "CONSENTRY_DATASET_RETENTION_DAYS": "7"}).dataset_retention_days == 7
    )
    for bad in ("soon", "-1"):
        with pytest.raises(ConfigError, match="CONSENTRY_DATASET_RETENTION_DAYS"):
            load_settings({**base, "CONSENTRY_DATASET_RETENTION_DAYS": bad})


def test_recording_deleted_files_waits_for_a_concurrent_writer(engine, settings, seeded):
    # Two propagations at once: one commits a write while the other records the files it
    # deleted. The recording waits for the lock; it must not fail with "database is locked".
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's deferred transactions only")
    import sqlite3
    import threading

    from consentry.datasets.lifecycle import mark_files_deleted

    seeded(engine, settings, members=30)
    built = build_dataset(engine, settings, purpose="train-ai", shards=1)
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE members SET updated_at = updated_at")
    threading.Timer(0.3, other.execute, ("COMMIT",)).start()

    with session_scope(engine) as s:
        mark_files_deleted(s, [built.dataset_id])
    other.close()

    with session_scope(engine) as s:
        assert get_dataset(s, built.dataset_id).files_deleted_at is not None
