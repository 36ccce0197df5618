"""The audit's file checks: a dataset's shard files, their hashes, its manifest and its
lineage, as published — read once, and the records handed on to the other checks.

Every shard file must still have its recorded sha256 and read as Parquet; every record
must have the hash its content gives and the lineage must name exactly the records the
files hold, in the shard they are in, with the hash they have; the manifest must agree
with the registry on the policy, the position and every shard. A dataset whose files
were deleted (retention, erasure) is noted, not failed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.audit_report import AuditCheck, AuditReport
from consentry.datasets.engines import file_sha256
from consentry.datasets.records import record_hash
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow, DatasetVersionRow
from consentry.store.locations import OutsideDataFolder, resolve_location

FILES = AuditCheck.FILES


@dataclass
class Published:
    """A dataset's shards (registry rows), its records as the files hold them (record id
    -> (shard, row)) and its lineage (record id -> row)."""

    shards: dict[int, DatasetShardRow]
    records: dict[str, tuple[int, dict[str, Any]]]
    lineage: dict[str, DatasetLineageRow]


def read_published(
    session: Session, settings: Settings, row: DatasetVersionRow, report: AuditReport
) -> Published | None:
    """Check and read what `row` published; None when there are no files to read."""
    deleted = getattr(row, "files_deleted_at", None)
    if deleted is not None:
        report.notes.append(
            f"its files were deleted on {deleted:%Y-%m-%d %H:%M} UTC: nothing left to read"
        )
        return None
    try:
        folder = resolve_location(settings.data_dir, row.path, owner=f"dataset {row.id}")
    except OutsideDataFolder as exc:
        report.add(FILES, "file", str(exc), dataset_id=row.id)
        return None
    shards = {
        s.shard: s
        for s in session.scalars(
            select(DatasetShardRow).where(DatasetShardRow.dataset_id == row.id)
        )
    }
    _manifest(folder / "manifest.json", row, shards, report)
    lineage = {
        r.record_id: r
        for r in session.scalars(
            select(DatasetLineageRow).where(DatasetLineageRow.dataset_id == row.id)
        )
    }
    records: dict[str, tuple[int, dict[str, Any]]] = {}
    seen: Counter[str] = Counter()
    for number, shard in sorted(shards.items()):
        for rec in _read_shard(folder / shard.file, shard, report):
            rid = rec["record_id"]
            seen[rid] += 1
            records[rid] = (number, rec)
            _check_record_file(rec, number, shard.file, lineage.get(rid), report)
    for rid in sorted(set(lineage) - set(seen)):
        report.add(
            FILES,
            "lineage",
            f"record {rid} is in the lineage but in no shard file",
            record_id=rid,
        )
    for rid, n in sorted(seen.items()):
        if n > 1:
            report.add(FILES, "file", f"record {rid} appears {n} times in the files", record_id=rid)
    return Published(shards, records, lineage)


def _manifest(path, row, shards, report: AuditReport) -> None:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        report.add(FILES, "file", f"manifest.json cannot be read: {exc}")
        return
    if manifest.get("policy", {}).get("hash") != row.policy_hash:
        report.add(FILES, "file", "the manifest's policy hash is not the registry's")
    if manifest.get("as_of", {}).get("seq") != row.as_of_seq:
        report.add(FILES, "file", "the manifest states another ledger position than the registry")
    for entry in manifest.get("files", []):
        shard = shards.get(entry.get("shard"))
        if shard is None or shard.sha256 != entry.get("sha256"):
            report.add(
                FILES,
                "file",
                f"the manifest's shard {entry.get('shard')} is not the registry's",
            )
        elif shard.as_of_seq != entry.get("as_of_seq"):
            report.add(
                FILES,
                "file",
                f"the manifest and the registry disagree on the position shard {shard.shard} "
                "was selected at",
            )


def _read_shard(
    path: Path, shard: DatasetShardRow, report: AuditReport
) -> Iterator[dict[str, Any]]:
    report.files_checked += 1
    if not path.exists():
        report.add(FILES, "file", f"shard file {shard.file} is missing", shard=shard.shard)
        return
    if file_sha256(path) != shard.sha256:
        report.add(
            FILES,
            "file",
            f"shard file {shard.file} no longer matches its sha256",
            shard=shard.shard,
        )
    try:
        reader = pq.ParquetFile(path)
        for batch in reader.iter_batches(batch_size=20_000):
            yield from batch.to_pylist()
    except (pa.ArrowException, OSError) as exc:
        report.add(
            FILES,
            "file",
            f"shard file {shard.file} cannot be read as Parquet: {exc}",
            shard=shard.shard,
        )


def _check_record_file(rec, shard: int, file: str, held, report: AuditReport) -> None:
    rid = rec["record_id"]
    if held is None:
        report.add(FILES, "lineage", f"record {rid} in {file} is not in the lineage", record_id=rid)
    elif held.shard != shard:
        report.add(
            FILES,
            "lineage",
            f"record {rid} is in {file} but the lineage puts it in shard {held.shard}",
            record_id=rid,
        )
    elif record_hash(rec) != rec["record_hash"] or rec["record_hash"] != held.record_hash:
        report.add(
            FILES,
            "file",
            f"record {rid} in {file} does not match its recorded hash",
            record_id=rid,
        )
