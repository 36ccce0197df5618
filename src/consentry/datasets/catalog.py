"""Reading dataset versions back: list, show, and who is in which."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.locations import resolve_location


@dataclass(frozen=True)
class DatasetVersion:
    """A published dataset version as the catalog knows it."""

    id: str
    purpose: str
    status: str
    engine: str
    shards: int
    as_of_seq: int
    as_of_hash: str
    as_of_time: Any
    policy_version: int
    records: int
    members: int
    #: The version's folder relative to the data folder, as stored (`store/locations.py`).
    location: str
    created_at: Any
    parent_id: str | None
    retired_at: Any = None
    #: When its data files were deleted (retention or erasure); None while they exist.
    files_deleted_at: Any = None

    @classmethod
    def from_row(cls, row: DatasetVersionRow) -> DatasetVersion:
        return cls(
            id=row.id,
            purpose=row.purpose,
            status=row.status,
            engine=row.engine,
            shards=row.shards,
            as_of_seq=row.as_of_seq,
            as_of_hash=row.as_of_hash,
            as_of_time=row.as_of_time,
            policy_version=row.policy_version,
            records=row.records,
            members=row.members,
            location=row.path,
            created_at=row.created_at,
            parent_id=row.parent_id,
            retired_at=row.retired_at,
            files_deleted_at=row.files_deleted_at,
        )

    def folder(self, data_dir: Path) -> Path:
        """The version's folder under `data_dir`; refuses one that lies outside it."""
        return resolve_location(data_dir, self.location, owner=f"dataset {self.id}")

    def manifest(self, data_dir: Path) -> dict[str, Any]:
        """The published manifest.json of this version."""
        try:
            return json.loads((self.folder(data_dir) / "manifest.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"dataset {self.id}: its manifest.json is missing") from None


def list_datasets(session: Session, *, purpose: str | None = None) -> list[DatasetVersion]:
    """Every published dataset version, newest first (optionally of one purpose). A
    version still being published is not listed until it is active or a reproduction."""
    stmt = (
        select(DatasetVersionRow)
        .where(DatasetVersionRow.status != DatasetStatus.PUBLISHING)
        .order_by(DatasetVersionRow.created_at.desc(), DatasetVersionRow.id.desc())
    )
    if purpose:
        stmt = stmt.where(DatasetVersionRow.purpose == purpose)
    return [DatasetVersion.from_row(r) for r in session.scalars(stmt)]


def get_dataset(session: Session, dataset_id: str) -> DatasetVersion:
    """The dataset version `dataset_id`, or a clear error naming it."""
    row = session.get(DatasetVersionRow, dataset_id)
    if row is None:
        raise NotFound(f"no dataset version {dataset_id!r}; `consentry datasets list` shows them")
    return DatasetVersion.from_row(row)


def datasets_holding(
    session: Session, member_id: int, *, status: str | None = DatasetStatus.ACTIVE
) -> list[str]:
    """Ids of dataset versions that hold at least one record of `member_id`."""
    stmt = (
        select(DatasetLineageRow.dataset_id)
        .join(DatasetVersionRow, DatasetVersionRow.id == DatasetLineageRow.dataset_id)
        .where(DatasetLineageRow.member_id == member_id)
        .distinct()
    )
    if status:
        stmt = stmt.where(DatasetVersionRow.status == status)
    return sorted(session.scalars(stmt))
