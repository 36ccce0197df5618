"""Successor dataset versions: the dataset again at the ledger head, without the members
whose withdrawal or erasure it answers, keeping every shard file that did not change.

Because records are sharded by member and duplicates are dropped within a shard only,
every shard depends on its own members alone. A successor re-selects the whole dataset
at the current head (where the withdrawal or erasure already stands, so the query leaves
the member out), has the parent's engine make and write it as a build does
(`build.write_selection`), and compares each shard with the parent's, record for record: where the
fresh selection holds exactly the parent's record ids with the same record hashes — every
member still allowed, every text unchanged, nothing new — the parent's file is kept,
hard-linked, not copied; otherwise the freshly written shard replaces it. So every shard
states the position it was checked at, never an earlier one, and the counts cover the
whole version. A model moved onto the successor retrains only the shards whose file
changed (`training/sisa.py` compares file hashes).

The parent is retired in the transaction that activates the successor; for an erasure its
data files are deleted afterwards.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import Engine, except_, func, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets import snapshot as snapshots
from consentry.datasets.build import count_selection, new_dataset_id, selection, write_selection
from consentry.datasets.catalog import get_dataset
from consentry.datasets.engines import ShardFile, ShardWrite, file_sha256, get_engine
from consentry.datasets.lifecycle import delete_files, mark_files_deleted
from consentry.datasets.lineage_events import emit_run_event
from consentry.datasets.manifest import write_documents
from consentry.datasets.publish import Publication, link_file, publish
from consentry.datasets.scrub.ner import configuration as ner_configuration
from consentry.errors import Conflict
from consentry.store.dataset_tables import (
    DatasetLineageRow,
    DatasetShardRow,
    DatasetStatus,
    DatasetVersionRow,
)
from consentry.store.engine import get_row, session_scope, utcnow

__all__ = ["Succession", "build_successor", "delete_files"]

_EMPTY = hashlib.sha256().hexdigest()


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


def _digest(pairs) -> str:
    """One digest of a shard's (record id, record hash) pairs, in record-id order."""
    h = hashlib.sha256()
    for record_id, record_hash in pairs:
        h.update(f"{record_id}:{record_hash}\n".encode())
    return h.hexdigest()


def _parent_digests(session: Session, dataset_id: str) -> dict[int, str]:
    lineage = DatasetLineageRow
    by_shard: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for shard, record_id, record_hash in session.execute(
        select(lineage.shard, lineage.record_id, lineage.record_hash)
        .where(lineage.dataset_id == dataset_id)
        .order_by(lineage.shard, lineage.record_id)
    ):
        by_shard[shard].append((record_id, record_hash))
    return {shard: _digest(pairs) for shard, pairs in by_shard.items()}


def _fresh_digests(lineage_file: Path) -> dict[int, str]:
    table = pq.read_table(lineage_file, columns=["shard", "record_id", "record_hash"])
    table = table.sort_by([("shard", "ascending"), ("record_id", "ascending")])
    by_shard: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for shard, record_id, record_hash in zip(
        table.column("shard").to_pylist(),
        table.column("record_id").to_pylist(),
        table.column("record_hash").to_pylist(),
        strict=True,
    ):
        by_shard[shard].append((record_id, record_hash))
    return {shard: _digest(pairs) for shard, pairs in by_shard.items()}


def build_successor(
    db: Engine,
    settings: Settings,
    parent_id: str,
    *,
    member_ids: tuple[int, ...],
    reason: str,
    delete_parent_files: bool = False,
) -> Succession:
    """Publish a successor of `parent_id` selected at the ledger head (module docstring),
    retire the parent in the same transaction, and (for an erasure) delete the parent's
    files afterwards. `member_ids` are the members it answers for (their shards are
    rewritten whenever the parent held them).

    The parent must be active. Raises ConsentryError otherwise.
    """
    with session_scope(db) as session:
        parent = get_dataset(session, parent_id)
        if parent.status != DatasetStatus.ACTIVE:
            raise Conflict(f"dataset {parent_id} is {parent.status}, not active")
        parent_files = {
            r.shard: (r.file, r.sha256)
            for r in session.scalars(
                select(DatasetShardRow).where(DatasetShardRow.dataset_id == parent_id)
            )
        }
        parent_digests = _parent_digests(session, parent_id)
        snap = snapshots.take(session, purpose=parent.purpose)
        counts, excluded = count_selection(session, snap, selection(snap, shards=parent.shards))
    parent_folder = parent.folder(settings.data_dir)
    engine = get_engine(parent.engine)
    pub = Publication(
        dataset_id=new_dataset_id(parent.purpose),
        purpose=parent.purpose,
        snap=snap,
        engine=engine,
        shards=parent.shards,
        counts=counts,
        excluded=excluded,
        scrubbed=Counter(),
        parent_id=parent_id,
        notes={"scrubber": ner_configuration(settings.scrub_ner)},
    )

    def keep_parent_file(shard: int, fresh: dict[int, str]) -> str | None:
        """The parent's sha256 for `shard` when its file may be kept: same records, and
        the file still there as published."""
        if shard not in parent_files:
            return None
        if fresh.get(shard, _EMPTY) != parent_digests.get(shard, _EMPTY):
            return None
        file, sha = parent_files[shard]
        source = parent_folder / file
        if not source.exists() or file_sha256(source) != sha:
            return None
        return sha

    def write(staging: Path, scratch: Path) -> ShardWrite:
        pub.reused.clear()
        written = write_selection(
            db,
            settings,
            engine,
            pub.snap,
            shards=parent.shards,
            out_dir=staging / "data",
            scratch=scratch,
            total=pub.counts["eligible_items"],
        )
        pub.scrubbed = written.scrubbed
        fresh = _fresh_digests(written.lineage)
        files: list[ShardFile] = []
        for f in written.files:
            sha = keep_parent_file(f.shard, fresh)
            if sha is None:
                files.append(f)
                continue
            link_file(parent_folder / parent_files[f.shard][0], f.path)
            files.append(ShardFile(f.shard, f.path, f.rows, sha))
            pub.reused[f.shard] = parent_id
        pub.notes["successor"] = {
            "reason": reason,
            "rebuilt_shards": sorted(f.shard for f in files if f.shard not in pub.reused),
            "reused_shards": sorted(pub.reused),
        }
        return ShardWrite(
            files=files,
            lineage=written.lineage,
            duplicates_dropped=written.duplicates_dropped,
            scrubbed=written.scrubbed,
        )

    def refresh() -> None:
        with session_scope(db) as session:
            pub.snap = snapshots.take(session, purpose=parent.purpose)
            pub.counts, pub.excluded = count_selection(
                session, pub.snap, selection(pub.snap, shards=parent.shards)
            )
        pub.scrubbed = Counter()

    def retire(session: Session) -> None:
        row = get_row(session, DatasetVersionRow, parent_id)
        if row.status != DatasetStatus.ACTIVE:  # a concurrent propagation got there first
            raise Conflict(f"dataset {parent_id} was retired meanwhile")
        row.status, row.retired_at = DatasetStatus.RETIRED, utcnow()

    with emit_run_event(settings, pub):
        publish(
            db,
            settings,
            pub,
            write=write,
            documents=write_documents,
            refresh=refresh,
            in_transaction=retire,
        )
    if delete_parent_files:
        delete_files(parent_folder)
    with session_scope(db) as session:
        if delete_parent_files:
            mark_files_deleted(session, [parent_id])
        removed = _records_removed(session, parent_id, pub.dataset_id)
    rebuilt = tuple(s for s in range(parent.shards) if s not in pub.reused)
    return Succession(
        parent_id,
        pub.dataset_id,
        parent.purpose,
        rebuilt,
        tuple(sorted(pub.reused)),
        delete_parent_files,
        removed,
    )


def _records_removed(session: Session, parent_id: str, successor_id: str) -> int:
    """Records of the parent that the successor does not hold as they were."""

    # A set difference, not a correlated EXISTS: lineage is indexed by (dataset, shard),
    # so a per-row probe of the successor would scan it once for every parent record.
    def held(dataset_id: str):
        return select(DatasetLineageRow.record_id, DatasetLineageRow.record_hash).where(
            DatasetLineageRow.dataset_id == dataset_id
        )

    gone = except_(held(parent_id), held(successor_id)).subquery("gone")
    return session.scalar(select(func.count()).select_from(gone)) or 0
