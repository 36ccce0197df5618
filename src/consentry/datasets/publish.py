"""Atomic publication of a dataset version.

Files are written into a staging folder (`.staging-<pid>-<id>`), the documents beside
them, then the folder is renamed into place and the dataset row, its shards and its
lineage are committed in one transaction. If the commit fails the folder is removed; if
the process dies before the rename, only the staging folder remains, and the next build
sweeps it (its process is gone). A dataset is visible only through its row, so a folder
without a committed row is never listed or used.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Engine, func, insert, literal, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.engines import DatasetEngine, ShardWrite, file_sha256
from consentry.store.dataset_tables import (
    DatasetLineageRow,
    DatasetShardRow,
    DatasetStatus,
    DatasetVersionRow,
)
from consentry.store.engine import session_scope, utcnow

LINEAGE_BATCH = 20_000


@dataclass
class Publication:
    """Everything known about a dataset version before it is published."""

    dataset_id: str
    purpose: str
    snap: Any
    engine: DatasetEngine
    shards: int
    counts: dict[str, int]
    excluded: dict[str, int]
    scrubbed: Counter[str]
    parent_id: str | None = None
    #: Shards taken over unchanged from the parent version: DatasetShardRow of the parent.
    reused: list[DatasetShardRow] = field(default_factory=list)
    parent_path: Path | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def datasets_root(settings: Settings) -> Path:
    """Where published dataset versions live: one folder each, named by id."""
    return settings.data_dir / "datasets"


def publish(
    db: Engine,
    settings: Settings,
    pub: Publication,
    *,
    write: Callable[[Path, Path], ShardWrite],
    documents: Callable[..., dict[str, Any]],
    in_transaction: Callable[[Session], None] | None = None,
) -> tuple[Path, list[dict[str, Any]]]:
    """Write, document and publish `pub`; returns (folder, file entries).

    `write(staging, scratch)` produces the new shard files; reused shards are hard-linked
    from the parent (no copy). `in_transaction(session)` runs inside the publishing
    transaction (a successor retires its parent there).
    """
    root = datasets_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    sweep(root)
    tag = f"{os.getpid()}-{pub.dataset_id}"
    staging, scratch, final = (
        root / f".staging-{tag}",
        root / f".scratch-{tag}",
        root / pub.dataset_id,
    )
    try:
        written = write(staging, scratch)
        files = [
            {
                "shard": f.shard,
                "file": f"data/{f.path.name}",
                "rows": f.rows,
                "sha256": f.sha256,
                "as_of_seq": pub.snap.seq,
                "as_of_time": pub.snap.at,
                "reused": False,
            }
            for f in written.files
        ]
        for row in pub.reused:
            if pub.parent_path is None:
                raise ValueError("a publication that reuses shards names its parent's folder")
            _link(pub.parent_path / row.file, staging / row.file)
            files.append(
                {
                    "shard": row.shard,
                    "file": row.file,
                    "rows": row.rows,
                    "sha256": row.sha256,
                    "as_of_seq": row.as_of_seq,
                    "as_of_time": row.as_of_time,
                    "reused": True,
                }
            )
        files.sort(key=lambda f: f["shard"])
        new_members = set(
            pq.read_table(written.lineage, columns=["member_id"]).column("member_id").to_pylist()
        )
        with session_scope(db) as session:
            reused_members = _reused_members(session, pub)
        pub.counts["records"] = sum(f["rows"] for f in files)
        pub.counts["members"] = len(new_members) + reused_members
        pub.counts["duplicates_dropped"] = written.duplicates_dropped
        documents(staging, pub=pub, files=files)
        os.replace(staging, final)
        try:
            with session_scope(db) as session:
                _record(session, pub, final, files, written)
                if in_transaction:
                    in_transaction(session)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return final, files


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem: a copy is the only way
        shutil.copy2(source, target)


def _reused_members(session: Session, pub: Publication) -> int:
    if not pub.reused:
        return 0
    return (
        session.scalar(
            select(func.count(func.distinct(DatasetLineageRow.member_id))).where(
                DatasetLineageRow.dataset_id == pub.parent_id,
                DatasetLineageRow.shard.in_([r.shard for r in pub.reused]),
            )
        )
        or 0
    )


def _record(session: Session, pub: Publication, final: Path, files, written: ShardWrite) -> None:
    snap = pub.snap
    session.add(
        DatasetVersionRow(
            id=pub.dataset_id,
            purpose=pub.purpose,
            status=DatasetStatus.ACTIVE,
            engine=pub.engine.name,
            shards=pub.shards,
            as_of_seq=snap.seq,
            as_of_hash=snap.head_hash,
            as_of_time=snap.at,
            policy_version=snap.policy_version,
            policy_hash=snap.policy_hash,
            path=str(final),
            manifest_sha256=file_sha256(final / "manifest.json"),
            records=pub.counts["records"],
            members=pub.counts["members"],
            parent_id=pub.parent_id,
            created_at=utcnow(),
        )
    )
    session.flush()
    session.execute(
        insert(DatasetShardRow),
        [
            {
                "dataset_id": pub.dataset_id,
                **{k: f[k] for k in ("shard", "file", "rows", "sha256", "as_of_seq", "as_of_time")},
            }
            for f in files
        ],
    )
    for batch in pq.ParquetFile(written.lineage).iter_batches(batch_size=LINEAGE_BATCH):
        rows = batch.to_pylist()
        if rows:
            session.execute(
                insert(DatasetLineageRow), [{"dataset_id": pub.dataset_id, **row} for row in rows]
            )
    if pub.reused:
        lineage = DatasetLineageRow
        session.execute(
            insert(lineage).from_select(
                ["dataset_id", "member_id", "shard", "record_id", "record_hash"],
                select(
                    literal(pub.dataset_id),
                    lineage.member_id,
                    lineage.shard,
                    lineage.record_id,
                    lineage.record_hash,
                ).where(
                    lineage.dataset_id == pub.parent_id,
                    lineage.shard.in_([r.shard for r in pub.reused]),
                ),
            )
        )


def sweep(root: Path, prefixes: tuple[str, ...] = (".staging-", ".scratch-")) -> None:
    """Remove work folders (`<prefix><pid>-…`) left by processes that are gone.

    A folder of this very process is left alone: another publication may be using it
    (the web app propagates in several threads).
    """
    for entry in root.iterdir():
        if not entry.name.startswith(prefixes):
            continue
        pid_text = entry.name.split("-")[1]
        pid = int(pid_text) if pid_text.isdigit() else 0
        if pid == os.getpid() or (pid and pid_alive(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
