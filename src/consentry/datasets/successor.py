"""Successor dataset versions: the same dataset without a member, rewriting only the
shards that held them.

Because records are sharded by member and duplicates are dropped within a shard only,
every shard depends on its own members alone. A successor therefore rebuilds the
member's shard from the consented query at the current ledger head (where the member's
withdrawal or erasure already stands, so the query leaves them out) and takes every other
shard over unchanged — hard-linked, not copied. Each shard keeps the ledger position its
contents were selected at, which is what an audit re-derives per shard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets import snapshot as snapshots
from consentry.datasets.build import count_selection, new_dataset_id, selection, stream_records
from consentry.datasets.catalog import get_dataset
from consentry.datasets.engines import ShardWrite, get_engine
from consentry.datasets.lineage_events import emit_run_event
from consentry.datasets.manifest import write_documents
from consentry.datasets.publish import Publication, publish
from consentry.datasets.records import shard_of
from consentry.errors import Conflict
from consentry.store.dataset_tables import DatasetShardRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import get_row, session_scope, utcnow


@dataclass(frozen=True)
class Succession:
    """A parent version retired and the successor that replaced it."""

    parent_id: str
    successor_id: str
    purpose: str
    rebuilt_shards: tuple[int, ...]
    reused_shards: tuple[int, ...]
    parent_files_deleted: bool
    records_removed: int


def build_successor(
    db: Engine,
    settings: Settings,
    parent_id: str,
    *,
    member_ids: tuple[int, ...],
    reason: str,
    delete_parent_files: bool = False,
) -> Succession:
    """Publish a successor of `parent_id` with the shards of `member_ids` rebuilt at the
    ledger head, retire the parent in the same transaction, and (for an erasure) delete
    the parent's files afterwards.

    The parent must be active. Raises ConsentryError otherwise.
    """
    with session_scope(db) as session:
        parent = get_dataset(session, parent_id)
        if parent.status != DatasetStatus.ACTIVE:
            raise Conflict(f"dataset {parent_id} is {parent.status}, not active")
        affected = sorted({shard_of(m, parent.shards) for m in member_ids})
        parent_shards = session.scalars(
            select(DatasetShardRow).where(DatasetShardRow.dataset_id == parent_id)
        ).all()
        for row in parent_shards:
            session.expunge(row)
        snap = snapshots.take(session, purpose=parent.purpose)
        counts, excluded = count_selection(
            session, snap, selection(snap, shards=parent.shards, only=affected)
        )
    reused = [r for r in parent_shards if r.shard not in affected]
    old_rows = sum(r.rows for r in parent_shards if r.shard in affected)
    engine = get_engine(parent.engine)
    scrubbed: Counter[str] = Counter()

    def write(staging: Path, scratch: Path) -> ShardWrite:
        rows = stream_records(
            db,
            settings,
            snap,
            shards=parent.shards,
            only=affected,
            total=counts["eligible_items"],
            scrubbed=scrubbed,
        )
        return engine.write_shards(
            rows, shards=parent.shards, out_dir=staging / "data", scratch=scratch, only=affected
        )

    def retire(session: Session) -> None:
        row = get_row(session, DatasetVersionRow, parent_id)
        if row.status != DatasetStatus.ACTIVE:  # a concurrent propagation got there first
            raise Conflict(f"dataset {parent_id} was retired meanwhile")
        row.status, row.retired_at = DatasetStatus.RETIRED, utcnow()

    pub = Publication(
        dataset_id=new_dataset_id(parent.purpose),
        purpose=parent.purpose,
        snap=snap,
        engine=engine,
        shards=parent.shards,
        counts=counts,
        excluded=excluded,
        scrubbed=scrubbed,
        parent_id=parent_id,
        reused=reused,
        parent_path=parent.path,
        notes={
            "successor": {
                "reason": reason,
                "rebuilt_shards": affected,
                "reused_shards": [r.shard for r in reused],
            }
        },
    )
    with emit_run_event(settings, pub):
        _, files = publish(
            db, settings, pub, write=write, documents=write_documents, in_transaction=retire
        )
    new_rows = sum(f["rows"] for f in files if f["shard"] in affected)
    if delete_parent_files:
        delete_files(parent.path)
    return Succession(
        parent_id,
        pub.dataset_id,
        parent.purpose,
        tuple(affected),
        tuple(r.shard for r in reused),
        delete_parent_files,
        old_rows - new_rows,
    )


def delete_files(folder: Path) -> None:
    """Delete a retired version's data files (shards reused by a successor survive through
    their other hard link); the documents stay as the record of what existed."""
    for path in sorted((folder / "data").glob("*.parquet")):
        path.unlink(missing_ok=True)
