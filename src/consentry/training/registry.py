"""The model registry: model versions, their sub-models, and lineage both ways.

API (the propagation worker calls the first three; see also `training.sisa`):

- `models_trained_on(session, dataset_id) -> list[ModelVersion]`: active model versions
  trained on that dataset version.
- `models_containing(session, member_id) -> list[ModelVersion]`: active model versions
  whose dataset's lineage holds the member.
- `members_in(session, model_id) -> list[int]`: the members whose records a model
  version was trained on (its dataset's lineage; sorted).
- `get_model`, `list_models`, `active_model`: reads for features and the CLI.

Membership is never stored with a model: it is derived from the dataset lineage, so the
two can never disagree. Services take a Session and never commit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from consentry.errors import Conflict, NotFound
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.locations import resolve_location
from consentry.store.training_tables import ModelShardRow, ModelStatus, ModelVersionRow


@dataclass(frozen=True)
class SubModel:
    """One shard's sub-model: the dataset shard it came from and its artifact."""

    shard: int
    dataset_sha256: str
    file: str
    sha256: str
    reused: bool


@dataclass(frozen=True)
class ModelVersion:
    """An immutable model version as the registry knows it."""

    id: str
    feature: str
    purpose: str
    dataset_id: str
    shards: int
    status: str
    metrics: dict[str, Any]
    seed: int
    #: The version's folder relative to the data folder, as stored (`store/locations.py`).
    location: str
    created_at: datetime
    superseded_at: datetime | None
    parent_id: str | None
    sub_models: tuple[SubModel, ...] = ()

    @classmethod
    def from_row(cls, row: ModelVersionRow, shards: Sequence[ModelShardRow] = ()) -> ModelVersion:
        return cls(
            id=row.id,
            feature=row.feature,
            purpose=row.purpose,
            dataset_id=row.dataset_id,
            shards=row.shards,
            status=row.status,
            metrics=json.loads(row.metrics or "{}"),
            seed=row.seed,
            location=row.path,
            created_at=row.created_at,
            superseded_at=row.superseded_at,
            parent_id=row.parent_id,
            sub_models=tuple(
                SubModel(s.shard, s.dataset_sha256, s.file, s.sha256, bool(s.reused))
                for s in sorted(shards, key=lambda s: s.shard)
            ),
        )

    def folder(self, data_dir: Path) -> Path:
        """The version's folder under `data_dir`; refuses one that lies outside it."""
        return resolve_location(data_dir, self.location, owner=f"model {self.id}")

    def artifact(self, data_dir: Path, shard: int) -> Path:
        """The file of sub-model `shard` under `data_dir`."""
        return self.folder(data_dir) / self.sub_models[shard].file


def _with_shards(session: Session, rows: list[ModelVersionRow]) -> list[ModelVersion]:
    if not rows:
        return []
    shards: dict[str, list[ModelShardRow]] = {r.id: [] for r in rows}
    for s in session.scalars(select(ModelShardRow).where(ModelShardRow.model_id.in_(shards))):
        shards[s.model_id].append(s)
    return [ModelVersion.from_row(r, shards[r.id]) for r in rows]


def get_model(session: Session, model_id: str) -> ModelVersion:
    """The model version `model_id`, or a clear error naming it."""
    row = session.get(ModelVersionRow, model_id)
    if row is None:
        raise NotFound(f"no model version {model_id!r}; `consentry models list` shows them")
    return _with_shards(session, [row])[0]


def list_models(
    session: Session, *, feature: str | None = None, status: str | None = None
) -> list[ModelVersion]:
    """Model versions, newest first, optionally of one feature and/or status."""
    stmt = select(ModelVersionRow).order_by(
        ModelVersionRow.created_at.desc(), ModelVersionRow.id.desc()
    )
    if feature:
        stmt = stmt.where(ModelVersionRow.feature == feature)
    if status:
        stmt = stmt.where(ModelVersionRow.status == status)
    return _with_shards(session, list(session.scalars(stmt)))


def active_model(session: Session, feature: str) -> ModelVersion:
    """The active version of `feature`'s model, or a clear error saying how to train one."""
    found = list_models(session, feature=feature, status=ModelStatus.ACTIVE)
    if not found:
        raise Conflict(
            f"no active {feature} model; train one with `consentry train --feature {feature}`"
        )
    return found[0]


def models_trained_on(session: Session, dataset_id: str) -> list[ModelVersion]:
    """Active model versions trained on dataset version `dataset_id`."""
    rows = session.scalars(
        select(ModelVersionRow)
        .where(
            ModelVersionRow.dataset_id == dataset_id, ModelVersionRow.status == ModelStatus.ACTIVE
        )
        .order_by(ModelVersionRow.feature, ModelVersionRow.id)
    ).all()
    return _with_shards(session, list(rows))


def trained_on_member(member_id: int) -> Select[ModelVersionRow]:
    """Model versions (any status) trained on a dataset version whose lineage holds at
    least one record of the member."""
    holding = (
        select(DatasetLineageRow.dataset_id)
        .where(DatasetLineageRow.member_id == member_id)
        .distinct()
    )
    return select(ModelVersionRow).where(ModelVersionRow.dataset_id.in_(holding))


def models_containing(session: Session, member_id: int) -> list[ModelVersion]:
    """Active model versions whose dataset's lineage holds at least one record of the member."""
    rows = session.scalars(
        trained_on_member(member_id)
        .where(ModelVersionRow.status == ModelStatus.ACTIVE)
        .order_by(ModelVersionRow.feature, ModelVersionRow.id)
    ).all()
    return _with_shards(session, list(rows))


def members_in(session: Session, model_id: str) -> list[int]:
    """The members a model version was trained on, from its dataset's lineage."""
    model = get_model(session, model_id)
    return list(
        session.scalars(
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == model.dataset_id)
            .distinct()
            .order_by(DatasetLineageRow.member_id)
        )
    )
