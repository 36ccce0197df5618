"""Build a dataset version: consented, scrubbed, sharded by member, published atomically.

    snapshot (ledger head T, time t) -> consented query -> scrub -> record ids and hashes
    -> engine (dedup per shard, Parquet shards) -> manifest, datasheet, Croissant,
    OpenLineage -> rename into place -> dataset row + lineage in one transaction

Memory stays bounded: rows stream from the database in chunks, are scrubbed a chunk at a
time and staged by the engine on disk. Nothing is visible until the final rename and
commit; a crash or Ctrl-C before then leaves only a staging folder, which the next build
sweeps away.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, insert, select

from consentry.config import Settings
from consentry.datasets import snapshot as snapshots
from consentry.datasets.eligibility import EXCLUSION_REASONS, consented_items, private_count
from consentry.datasets.engines import ShardWrite, file_sha256, get_engine
from consentry.datasets.manifest import write_documents
from consentry.datasets.records import BUILD_SCHEMA, record_hash, record_id, shard_of
from consentry.datasets.structure import attach_structure
from consentry.errors import ConsentryError
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow, DatasetVersionRow
from consentry.store.engine import session_scope, utcnow

CHUNK_ROWS = 5_000
LINEAGE_BATCH = 20_000


@dataclass
class BuildResult:
    """What a build did (or, for a dry run, would do)."""

    dataset_id: str | None
    snapshot: snapshots.Snapshot
    shards: int
    engine: str
    counts: dict[str, int]
    excluded: dict[str, int]
    scrubbed: dict[str, int]
    path: Path | None = None
    files: list[dict[str, object]] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        head = "would build" if self.dry_run else f"built {self.dataset_id}"
        excluded = ", ".join(f"{k} {v}" for k, v in self.excluded.items() if v) or "none"
        return (
            f"{head} for {self.snapshot.purpose} as of ledger position {self.snapshot.seq}: "
            f"{self.counts.get('records', self.counts.get('eligible_items', 0))} records from "
            f"{self.counts.get('members', self.counts.get('eligible_members', 0))} members "
            f"in {self.shards} shards; excluded: {excluded}"
        )


def datasets_root(settings: Settings) -> Path:
    return settings.data_dir / "datasets"


def build_dataset(
    db: Engine,
    settings: Settings,
    *,
    purpose: str,
    as_of: int | None = None,
    shards: int = 4,
    engine: str = "duckdb",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    parent_id: str | None = None,
    policy_version: int | None = None,
) -> BuildResult:
    """Build (or with `dry_run`, count) a dataset version for `purpose` as of ledger
    position `as_of` (default: the head when the build starts).

    `policy_version` pins the policy version (refused while in its notice period); by
    default the newest version whose notice period has passed applies.
    Raises ConsentryError for an unknown purpose, a position past the head, a policy
    still in its notice period, or a bad shard count; nothing is written then.
    """
    if shards < 1 or shards > 4096:
        raise ConsentryError("--shards must be between 1 and 4096")
    dataset_engine = get_engine(engine)
    with session_scope(db) as session:
        snap = snapshots.take(session, purpose=purpose, as_of=as_of, policy_version=policy_version)
        items = consented_items(
            snap.purpose_def.data_classes,
            decisions=snap.decisions,
            aipref_category=snap.purpose_def.aipref,
            at=snap.at,
        ).subquery("consented")
        excluded = dict.fromkeys(EXCLUSION_REASONS, 0)
        eligible_items = 0
        for reason, count in session.execute(
            select(items.c.excluded, snapshots.count_rows()).group_by(items.c.excluded)
        ):
            if reason is None:
                eligible_items = count
            else:
                excluded[reason] = count
        excluded["private"] = session.scalar(private_count(snap.at)) or 0
        eligible_members = session.scalar(
            select(snapshots.count_distinct(items.c.member_id)).where(items.c.excluded.is_(None))
        )
    counts = {"eligible_items": eligible_items, "eligible_members": eligible_members or 0}
    if dry_run:
        return BuildResult(None, snap, shards, engine, counts, excluded, {}, dry_run=True)

    root = datasets_root(settings)
    _sweep(root)
    dataset_id = f"{purpose}-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    staging = root / f".staging-{os.getpid()}-{dataset_id}"
    scratch = root / f".scratch-{os.getpid()}-{dataset_id}"
    final = root / dataset_id
    scrubbed: Counter[str] = Counter()
    try:
        key = settings.secret_key()
        rows = _records(
            db,
            snap,
            items_total=eligible_items,
            shards=shards,
            key=key,
            scrubbed=scrubbed,
            progress=progress,
        )
        written = dataset_engine.write_shards(
            rows, shards=shards, out_dir=staging / "data", scratch=scratch
        )
        lineage = pq.read_table(written.lineage, columns=["member_id"])
        counts["records"] = sum(f.rows for f in written.files)
        counts["members"] = len(set(lineage.column("member_id").to_pylist()))
        counts["duplicates_dropped"] = written.duplicates_dropped
        files = [
            {"shard": f.shard, "file": f"data/{f.path.name}", "rows": f.rows, "sha256": f.sha256}
            for f in written.files
        ]
        manifest = write_documents(
            staging,
            dataset_id=dataset_id,
            snap=snap,
            engine=dataset_engine,
            shards=shards,
            files=files,
            counts=counts,
            excluded=excluded,
            scrubbed=dict(scrubbed),
            parent_id=parent_id,
        )
        os.replace(staging, final)
        try:
            with session_scope(db) as session:
                _record(
                    session,
                    dataset_id,
                    snap,
                    engine,
                    shards,
                    final,
                    manifest,
                    counts,
                    files,
                    written,
                    parent_id,
                )
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return BuildResult(
        dataset_id, snap, shards, engine, counts, excluded, dict(scrubbed), path=final, files=files
    )


def _records(
    db: Engine,
    snap: snapshots.Snapshot,
    *,
    items_total: int,
    shards: int,
    key: bytes,
    scrubbed: Counter[str],
    progress: Callable[[int, int], None] | None,
) -> Iterator[pa.RecordBatch]:
    """Stream the eligible items as scrubbed record batches (BUILD_SCHEMA)."""
    items = consented_items(
        snap.purpose_def.data_classes,
        decisions=snap.decisions,
        aipref_category=snap.purpose_def.aipref,
        at=snap.at,
    ).subquery("consented")
    stmt = select(items).where(items.c.excluded.is_(None))
    done = 0
    with session_scope(db) as session:
        scrubber, names = snapshots.scrubber_for(session)
        result = session.execute(stmt.execution_options(yield_per=CHUNK_ROWS))
        for chunk in result.partitions(CHUNK_ROWS):
            rows = [dict(r._mapping) for r in chunk]
            attach_structure(session, rows, at=snap.at)
            authors = [names.get(r["member_id"], ()) for r in rows]
            regions = [r["country"] or None for r in rows]
            titles = scrubber.scrub_batch([r["title"] or "" for r in rows], authors, regions)
            texts = scrubber.scrub_batch([r["text"] or "" for r in rows], authors, regions)
            out = []
            for row, title, text in zip(rows, titles, texts, strict=True):
                for span in (*title.spans, *text.spans):
                    scrubbed[span.type] += 1
                rec = {
                    "record_id": record_id(key, row["data_class"], row["item_id"]),
                    "data_class": row["data_class"],
                    "title": title.text,
                    "text": text.text,
                    "industry": row["industry"] or "",
                    "country": row["country"] or "",
                    "seniority": row["seniority"] or "",
                    "titles": row["titles"],
                    "companies": row["companies"],
                    "skills": row["skills"],
                    "year": _year(row["created_at"]),
                }
                rec["record_hash"] = record_hash(rec)
                rec["member_id"] = row["member_id"]
                rec["shard"] = shard_of(row["member_id"], shards)
                out.append(rec)
            done += len(out)
            if progress:
                progress(done, items_total)
            yield pa.RecordBatch.from_pylist(out, schema=BUILD_SCHEMA)


def _year(value: datetime | str) -> int:
    if isinstance(value, str):
        return int(value[:4])
    return value.year


def _record(
    session,
    dataset_id,
    snap,
    engine,
    shards,
    final,
    manifest,
    counts,
    files,
    written: ShardWrite,
    parent_id,
) -> None:
    session.add(
        DatasetVersionRow(
            id=dataset_id,
            purpose=snap.purpose,
            status="active",
            engine=engine,
            shards=shards,
            as_of_seq=snap.seq,
            as_of_hash=snap.head_hash,
            as_of_time=snap.at,
            policy_version=snap.policy_version,
            policy_hash=snap.policy_hash,
            path=str(final),
            manifest_sha256=file_sha256(final / "manifest.json"),
            records=counts["records"],
            members=counts["members"],
            parent_id=parent_id,
            created_at=utcnow(),
        )
    )
    session.flush()
    session.execute(
        insert(DatasetShardRow),
        [
            {"dataset_id": dataset_id, **{k: f[k] for k in ("shard", "file", "rows", "sha256")}}
            for f in files
        ],
    )
    lineage = pq.ParquetFile(written.lineage)
    for batch in lineage.iter_batches(batch_size=LINEAGE_BATCH):
        session.execute(
            insert(DatasetLineageRow),
            [{"dataset_id": dataset_id, **row} for row in batch.to_pylist()],
        )


def _sweep(root: Path) -> None:
    """Remove staging and scratch folders left by builds whose process is gone."""
    if not root.exists():
        return
    for entry in root.iterdir():
        if not entry.name.startswith((".staging-", ".scratch-")):
            continue
        pid = int(entry.name.split("-")[1]) if entry.name.split("-")[1].isdigit() else 0
        if pid and _alive(pid) and pid != os.getpid():
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
