"""Successor versions: a member's withdrawal rewrites only their shard."""

from __future__ import annotations

import os

import pyarrow.parquet as pq
from sqlalchemy import select

from consentry.consent.ledger import ledger_session
from consentry.consent.record import record_choice, record_erasure
from consentry.datasets.audit import audit_dataset
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import datasets_holding, get_dataset
from consentry.datasets.records import shard_of
from consentry.datasets.successor import build_successor
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope


def _a_member_in(engine, dataset_id: str) -> int:
    with session_scope(engine) as s:
        return s.scalars(
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == dataset_id)
            .order_by(DatasetLineageRow.member_id)
            .limit(1)
        ).one()


def test_a_withdrawal_rewrites_only_the_members_shard(engine, settings, seeded):
    seeded(engine, settings, members=150)
    parent = build_dataset(engine, settings, purpose="train-genai", shards=4)
    member = _a_member_in(engine, parent.dataset_id)
    with ledger_session(engine) as s:
        record_choice(s, member, "train-genai", "withdraw", source="settings", actor="member")
    result = build_successor(
        engine, settings, parent.dataset_id, member_ids=(member,), reason="withdraw"
    )
    shard = shard_of(member, 4)
    assert result.rebuilt_shards == (shard,)
    assert set(result.reused_shards) == {0, 1, 2, 3} - {shard}
    assert result.records_removed >= 1
    with session_scope(engine) as s:
        assert get_dataset(s, parent.dataset_id).status == "retired"
        successor = get_dataset(s, result.successor_id)
        assert successor.status == "active" and successor.parent_id == parent.dataset_id
        assert datasets_holding(s, member) == []
    # Reused shards are the parent's very files (hard links), byte for byte.
    for n in result.reused_shards:
        name = f"data/shard-{n:05d}-of-00004.parquet"
        assert os.path.samefile(parent.path / name, successor.folder(settings.data_dir) / name)
    assert audit_dataset(engine, settings, result.successor_id).ok


def test_an_erasure_deletes_the_old_files_and_the_successor_stays_readable(
    sqlite_engine, sqlite_settings, seeded
):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=120)
    parent = build_dataset(engine, settings, purpose="train-ai", shards=3)
    member = _a_member_in(engine, parent.dataset_id)
    with ledger_session(engine) as s:
        record_erasure(s, member, source="settings", actor="member")
    result = build_successor(
        engine,
        settings,
        parent.dataset_id,
        member_ids=(member,),
        reason="erase",
        delete_parent_files=True,
    )
    assert list((parent.path / "data").glob("*.parquet")) == []
    with session_scope(engine) as s:
        successor = get_dataset(s, result.successor_id)
    rows = sum(
        pq.read_metadata(f).num_rows
        for f in (successor.folder(settings.data_dir) / "data").glob("*.parquet")
    )
    assert rows == successor.records
    assert audit_dataset(engine, settings, result.successor_id).ok
