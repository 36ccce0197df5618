"""Model versions and their per-shard sub-models (the model half of lineage).

A model version is immutable: its feature, the dataset version it was trained on, the
seed, and one sub-model per dataset shard, each pinned to the sha256 of the shard file it
was trained from and to the sha256 of its own artifact. Which members are in a model is
never stored here: it follows from the dataset's lineage, so it cannot drift from it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base


class ModelStatus(StrEnum):
    """A model version is `active` (served) until a newer version of its feature, or a
    retrained successor, replaces it; it is then `superseded`. `retired` is reserved for
    a version withdrawn from use without a replacement."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


class ModelVersionRow(Base):
    """One model version: feature, dataset, status (active, superseded, retired)."""

    __tablename__ = "model_versions"
    __table_args__ = (Index("ix_model_versions_feature_status", "feature", "status"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    feature: Mapped[str] = mapped_column(String(32), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("dataset_versions.id"), nullable=False, index=True
    )
    shards: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ModelStatus.ACTIVE)
    metrics: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    seed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ModelShardRow(Base):
    """One sub-model: trained from one dataset shard file, stored as one artifact file."""

    __tablename__ = "model_shards"
    model_id: Mapped[str] = mapped_column(ForeignKey("model_versions.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    reused: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
