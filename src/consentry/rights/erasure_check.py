"""After an erasure's purge: check that the member's records are gone from the data folder.

A receipt states only what was checked. `verify_erasure` runs at the end of the purge
step (rights/propagation.py) and returns what it found, which the receipt carries as
`erasure_check`:

- every dataset version that lineage says held the member, and every model version
  trained on one: each of its shard files / sub-model artifacts, resolved under the
  data folder in use (`store/locations.py`), is checked absent;
- every Parquet file under the data folder (dataset shards, whatever their registry
  state, and work files of builds) is read for its `record_id` and `record_hash`
  columns, and every model artifact under `models/` for record ids in its bytes; none
  may hold one of the member's record ids or record hashes (from lineage).

Anything found — a file still present, a record still there, a file that cannot be read
and so cannot be cleared — raises `ErasureNotVerified` naming it: the job does not
finish, no receipt is issued, and the queue retries it (the purge deletes again, then
checks again) until it fails for an operator to look at. Reading a stored path that
lies outside the data folder is refused before anything is deleted or read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from consentry.config import Settings
from consentry.errors import Conflict
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow, DatasetVersionRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.locations import resolve_location
from consentry.store.training_tables import ModelShardRow, ModelVersionRow

#: A record id as written into artifacts: 32 lowercase hex digits, not part of a longer run.
_RECORD_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_SCANNED_COLUMNS = ("record_id", "record_hash")
#: How many findings a message names before it says "and N more".
_NAMED = 5


class ErasureNotVerified(Conflict):
    """Files under the data folder still hold (or may hold) an erased member's records."""


def verify_erasure(db: Engine, settings: Settings, member_id: int) -> dict[str, Any]:
    """Check the data folder after the purge of `member_id`'s erasure; return the
    receipt's `erasure_check` (JSON-ready), or raise ErasureNotVerified naming what
    was found. Reads files only; changes nothing."""
    data_dir = settings.data_dir
    with session_scope(db) as s:
        lineage = s.execute(
            select(
                DatasetLineageRow.dataset_id,
                DatasetLineageRow.record_id,
                DatasetLineageRow.record_hash,
            ).where(DatasetLineageRow.member_id == member_id)
        ).all()
        holding = sorted({row.dataset_id for row in lineage})
        datasets = s.execute(
            select(DatasetVersionRow.id, DatasetVersionRow.path).where(
                DatasetVersionRow.id.in_(holding)
            )
        ).all()
        dataset_files = _files_by_owner(
            s.execute(
                select(DatasetShardRow.dataset_id, DatasetShardRow.file).where(
                    DatasetShardRow.dataset_id.in_(holding)
                )
            ).all()
        )
        models = s.execute(
            select(ModelVersionRow.id, ModelVersionRow.path).where(
                ModelVersionRow.dataset_id.in_(holding)
            )
        ).all()
        model_files = _files_by_owner(
            s.execute(
                select(ModelShardRow.model_id, ModelShardRow.file).where(
                    ModelShardRow.model_id.in_([m.id for m in models])
                )
            ).all()
        )
    record_ids = {row.record_id for row in lineage}
    record_hashes = {row.record_hash for row in lineage}

    found: list[str] = []
    artifacts: list[dict[str, Any]] = []
    for kind, versions, files in (
        ("dataset", datasets, dataset_files),
        ("model", models, model_files),
    ):
        for version_id, stored in versions:
            folder = resolve_location(data_dir, stored, owner=f"{kind} {version_id}")
            names = files.get(version_id, [])
            present = [name for name in names if (folder / name).exists()]
            found += [f"{kind} {version_id}: {name} is still present" for name in present]
            artifacts.append({"kind": kind, "id": version_id, "files_absent": len(names)})

    parquet_files = sorted(data_dir.rglob("*.parquet"))
    for path in parquet_files:
        found += _scan_parquet(path, data_dir, record_ids, record_hashes)
    model_artifacts = sorted(p for p in (data_dir / "models").rglob("*") if p.is_file())
    for path in model_artifacts:
        hits = _ids_in(path.read_bytes()) & record_ids
        if hits:
            found.append(f"{_shown(path, data_dir)} holds {len(hits)} of the member's record ids")
    if found:
        more = f" (and {len(found) - _NAMED} more)" if len(found) > _NAMED else ""
        raise ErasureNotVerified(
            f"the erasure of member {member_id} is not complete: "
            + "; ".join(found[:_NAMED])
            + more
        )
    return {
        "checked_at": utcnow().isoformat(timespec="microseconds"),
        "artifacts": artifacts,
        "parquet_files_scanned": len(parquet_files),
        "model_artifacts_scanned": len(model_artifacts),
        "member_records_found": 0,
    }


def _files_by_owner(rows: Iterable[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for owner, name in rows:
        out.setdefault(owner, []).append(name)
    return {owner: sorted(names) for owner, names in out.items()}


def _scan_parquet(
    path: Path, data_dir: Path, record_ids: set[str], record_hashes: set[str]
) -> list[str]:
    """What `path` holds of the member: an empty list when nothing."""
    try:
        schema = pq.read_schema(path)
        columns = [c for c in _SCANNED_COLUMNS if c in schema.names]
        if not columns:
            return []
        table = pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        return [f"{_shown(path, data_dir)} cannot be read, so cannot be cleared ({exc})"]
    held = 0
    for column, wanted in (("record_id", record_ids), ("record_hash", record_hashes)):
        if column in columns and wanted:
            matches = pc.is_in(table.column(column), value_set=pa.array(sorted(wanted)))
            held = max(held, pc.sum(matches).as_py() or 0)
    return [f"{_shown(path, data_dir)} holds {held} of the member's records"] if held else []


def _ids_in(blob: bytes) -> set[str]:
    return {m.decode() for m in _RECORD_ID.findall(blob)}


def _shown(path: Path, data_dir: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)
