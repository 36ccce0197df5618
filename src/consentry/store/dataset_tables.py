"""Dataset versions, their shard files and their lineage (member -> records).

The lineage table is the only place that links a training record to its author; the
shard files themselves carry no member identifier.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base


class DatasetStatus(StrEnum):
    """Where a dataset version is in its life (docs/architecture.md, "Dataset lifecycle").

    `publishing`: registered while its files are renamed into place and its members are
    checked against the ledger head; never read, and removed by the next sweep if its
    publisher died. `active`: usable for training, until a newer build of the purpose
    supersedes it (unless an active model is pinned to it) or a withdrawal or erasure
    replaces it with a successor; it is then `retired`, never active again.
    `reproduction`: a build as of an earlier ledger position, the past exactly as it was;
    never usable for training. Retired versions and reproductions keep their files for
    the retention period (`CONSENTRY_DATASET_RETENTION_DAYS`), their rows for ever.
    """

    PUBLISHING = "publishing"
    ACTIVE = "active"
    RETIRED = "retired"
    REPRODUCTION = "reproduction"


class DatasetVersionRow(Base):
    """One immutable dataset version: purpose, as-of ledger head, policy, files."""

    __tablename__ = "dataset_versions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DatasetStatus.ACTIVE)
    engine: Mapped[str] = mapped_column(String(16), nullable=False)
    shards: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    as_of_time: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False)
    policy_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    manifest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)
    members: Mapped[int] = mapped_column(Integer, nullable=False)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: `host:pid` of the process publishing the version, while it is `publishing`.
    publisher: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: When the version's data files were deleted (retention or erasure).
    files_deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DatasetShardRow(Base):
    """One shard file of a dataset version, with its sha256 at publication.

    A successor version (after a withdrawal) rebuilds one shard and reuses the others, so
    each shard records the ledger position and time its own contents were selected at.
    """

    __tablename__ = "dataset_shards"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset_versions.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(Text, nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    as_of_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of_time: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class DatasetLineageRow(Base):
    """Member -> (dataset, shard, record): who contributed which record where."""

    __tablename__ = "dataset_lineage"
    __table_args__ = (
        Index("ix_dataset_lineage_member", "member_id", "dataset_id"),
        Index("ix_dataset_lineage_dataset", "dataset_id", "shard"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset_versions.id"), nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    shard: Mapped[int] = mapped_column(Integer, nullable=False)
    record_id: Mapped[str] = mapped_column(String(32), nullable=False)
    record_hash: Mapped[str] = mapped_column(String(64), nullable=False)
