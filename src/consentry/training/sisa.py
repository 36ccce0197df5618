"""SISA training: one sub-model per dataset shard, retrained one shard at a time.

API (the propagation worker calls these; all take the engine, not a session, because
each publishes files and commits its own registry rows atomically):

- `train_feature(db, settings, feature, *, dataset_id=None, seed=0) -> ModelVersion`
  Full training: every shard of `dataset_id` (default: the newest active dataset of the
  feature's purpose). The new version becomes the feature's active model; any other
  active version of the feature is marked superseded in the same transaction.

- `retrain_successor(db, settings, model_id, *, dataset_id, shards) -> ModelVersion`
  A new version of `model_id` on the successor dataset `dataset_id` (same shard count):
  the sub-models of `shards` are retrained from that dataset's shard files, every other
  sub-model is taken over unchanged (hard link; its dataset shard must be byte-identical,
  which is checked through the recorded sha256 — a shard that differs is retrained too).
  The new version is activated and `model_id` superseded in one transaction.
  Idempotent: if an active model of the feature already exists on `dataset_id`, it is
  returned and nothing is trained (a resumed propagation must not train twice).

- `remove_member(db, settings, member_id) -> list[str]`
  The member's postings leave every active retrieval index: each index holding them is
  moved onto the newest active successor of its dataset that no longer holds them.

- `load_model(session, settings, model_id)` / `load_active(session, settings, feature)`:
  the aggregated model (its files found under `settings.data_dir`).

Exactness: a sub-model depends only on its shard's file, its lineage and
`shard_seed(seed, shard)`; so a retrained version equals, byte for byte, a version
trained from scratch on the successor dataset with the same seed.

Publication follows the datasets' discipline: artifacts are written into a staging
folder, renamed into `<data_dir>/models/<model_id>/`, then the rows are committed; if the
commit fails the folder is removed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.catalog import DatasetVersion, get_dataset, list_datasets
from consentry.errors import Conflict, NotFound
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow, DatasetStatus
from consentry.store.engine import immediate, session_scope, utcnow
from consentry.store.locations import to_location
from consentry.store.training_tables import ModelShardRow, ModelStatus, ModelVersionRow
from consentry.training import registry
from consentry.training.artifacts import ModelFolder, sha256, shard_file
from consentry.training.models import ModelKind, ShardData, kind


def shard_seed(seed: int, shard: int) -> int:
    """The seed of one sub-model: depends on the model's seed and the shard only."""
    return (seed * 1_000_003 + shard) % (2**31)


def new_model_id(feature: str) -> str:
    return f"{feature}-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def read_shard(
    session: Session, data_dir: Path, dataset: DatasetVersion, shard: int
) -> tuple[ShardData, str]:
    """One dataset shard's records and record -> member map; and the file's recorded sha256."""
    row = session.get(DatasetShardRow, (dataset.id, shard))
    if row is None:
        raise NotFound(f"dataset {dataset.id} has no shard {shard}")
    path = dataset.folder(data_dir) / row.file
    if not path.exists():
        raise NotFound(f"dataset {dataset.id}: shard file {row.file} is missing")
    records = pq.read_table(path).to_pylist()
    member_of = dict(
        session.execute(
            select(DatasetLineageRow.record_id, DatasetLineageRow.member_id).where(
                DatasetLineageRow.dataset_id == dataset.id, DatasetLineageRow.shard == shard
            )
        ).all()
    )
    return ShardData(shard, records, member_of), row.sha256


def _default_dataset(session: Session, purpose: str) -> DatasetVersion:
    for ds in list_datasets(session, purpose=purpose):
        if ds.status == DatasetStatus.ACTIVE:
            return ds
    raise Conflict(
        f"no active {purpose} dataset; build one with `consentry datasets build --purpose {purpose}`"
    )


def train_feature(
    db: Engine,
    settings: Settings,
    feature: str,
    *,
    dataset_id: str | None = None,
    seed: int = 0,
) -> registry.ModelVersion:
    """Train every shard of `feature`'s model and activate it (see the module docstring)."""
    spec = kind(feature)
    with session_scope(db) as session:
        dataset = (
            get_dataset(session, dataset_id)
            if dataset_id
            else _default_dataset(session, spec.purpose)
        )
        _check_dataset(spec, dataset)
    return _train(db, settings, spec, dataset, seed=seed, retrain=range(dataset.shards))


def retrain_successor(
    db: Engine,
    settings: Settings,
    model_id: str,
    *,
    dataset_id: str,
    shards: Sequence[int],
) -> registry.ModelVersion:
    """Move `model_id` onto successor `dataset_id`, retraining only `shards` (see above)."""
    with session_scope(db) as session:
        old = registry.get_model(session, model_id)
        existing = _active_on(session, old.feature, dataset_id)
        if existing is not None:
            return existing
        if old.status != ModelStatus.ACTIVE:
            raise Conflict(f"model {model_id} is {old.status}, not active")
        dataset = get_dataset(session, dataset_id)
        spec = kind(old.feature)
        _check_dataset(spec, dataset)
        if dataset.shards != old.shards:
            raise Conflict(
                f"dataset {dataset_id} has {dataset.shards} shards, model {model_id} {old.shards}"
            )
        bad = [s for s in shards if not 0 <= s < dataset.shards]
        if bad:
            raise NotFound(f"no shard {bad[0]} in dataset {dataset_id}")
        new_sha = dict(
            session.execute(
                select(DatasetShardRow.shard, DatasetShardRow.sha256).where(
                    DatasetShardRow.dataset_id == dataset_id
                )
            ).all()
        )
    # A shard whose file changed must be retrained even if the caller did not list it.
    retrain = sorted(
        set(shards) | {m.shard for m in old.sub_models if new_sha.get(m.shard) != m.dataset_sha256}
    )
    return _train(db, settings, spec, dataset, seed=old.seed, retrain=retrain, parent=old)


def _check_dataset(spec: ModelKind, dataset: DatasetVersion) -> None:
    if dataset.purpose != spec.purpose:
        raise Conflict(
            f"the {spec.name} model trains on {spec.purpose} datasets, "
            f"not {dataset.id} ({dataset.purpose})"
        )
    if dataset.status != DatasetStatus.ACTIVE:
        raise Conflict(f"dataset {dataset.id} is {dataset.status}; train on an active one")


def _active_on(session: Session, feature: str, dataset_id: str) -> registry.ModelVersion | None:
    row = session.scalars(
        select(ModelVersionRow).where(
            ModelVersionRow.feature == feature,
            ModelVersionRow.dataset_id == dataset_id,
            ModelVersionRow.status == ModelStatus.ACTIVE,
        )
    ).first()
    return registry.get_model(session, row.id) if row else None


def _train(
    db: Engine,
    settings: Settings,
    spec: ModelKind,
    dataset: DatasetVersion,
    *,
    seed: int,
    retrain: Sequence[int],
    parent: registry.ModelVersion | None = None,
) -> registry.ModelVersion:
    model_id = new_model_id(spec.name)
    folder = ModelFolder(settings.data_dir, model_id)
    started = time.perf_counter()
    entries: list[dict[str, Any]] = []
    try:
        with session_scope(db) as session:
            for shard in range(dataset.shards):
                name = shard_file(shard, spec.ext)
                if shard not in retrain and parent is not None:
                    sub = parent.sub_models[shard]
                    folder.link(parent.folder(settings.data_dir) / sub.file, name)
                    entries.append(
                        {
                            "shard": shard,
                            "dataset_sha256": sub.dataset_sha256,
                            "file": name,
                            "sha256": sub.sha256,
                            "reused": True,
                        }
                    )
                    continue
                data, data_sha = read_shard(session, settings.data_dir, dataset, shard)
                blob = spec.train_shard(data, seed=shard_seed(seed, shard))
                folder.write(name, blob)
                entries.append(
                    {
                        "shard": shard,
                        "dataset_sha256": data_sha,
                        "file": name,
                        "sha256": sha256(blob),
                        "reused": False,
                    }
                )
        metrics = {
            "retrained_shards": sorted(retrain),
            "train_seconds": round(time.perf_counter() - started, 4),
            "records": dataset.records,
            "members": dataset.members,
        }
        final = folder.publish()
    except BaseException:
        folder.discard()
        raise
    try:
        # The write lock up front (SQLite BEGIN IMMEDIATE): this transaction reads the
        # active models, then supersedes them, and must not interleave with another.
        with session_scope(immediate(db)) as session:
            if parent is not None:
                raced = _active_on(session, spec.name, dataset.id)
                if raced is not None:  # another worker published first: keep theirs
                    folder.discard()
                    return raced
            location = to_location(settings.data_dir, final)
            _activate(session, spec, dataset, model_id, seed, location, metrics, entries, parent)
    except BaseException:
        folder.discard()
        raise
    with session_scope(db) as session:
        return registry.get_model(session, model_id)


def _activate(session, spec, dataset, model_id, seed, location, metrics, entries, parent) -> None:
    now = utcnow()
    superseded = session.scalars(
        select(ModelVersionRow)
        .where(ModelVersionRow.feature == spec.name, ModelVersionRow.status == ModelStatus.ACTIVE)
        .with_for_update()
    ).all()
    for row in superseded:
        row.status, row.superseded_at = ModelStatus.SUPERSEDED, now
    session.add(
        ModelVersionRow(
            id=model_id,
            feature=spec.name,
            purpose=spec.purpose,
            dataset_id=dataset.id,
            shards=dataset.shards,
            status=ModelStatus.ACTIVE,
            metrics=json.dumps(metrics, sort_keys=True),
            seed=seed,
            path=location,
            created_at=now,
            parent_id=parent.id if parent else None,
        )
    )
    session.flush()
    session.add_all(ModelShardRow(model_id=model_id, **e) for e in entries)


def load_model(session: Session, settings: Settings, model_id: str) -> Any:
    """The aggregated model of a version (cached: versions are immutable)."""
    model = registry.get_model(session, model_id)
    return _load(
        model.id,
        model.feature,
        str(model.folder(settings.data_dir)),
        tuple((s.file, s.sha256) for s in model.sub_models),
    )


def load_active(
    session: Session, settings: Settings, feature: str
) -> tuple[registry.ModelVersion, Any]:
    """The active version of `feature` and its aggregated model."""
    model = registry.active_model(session, feature)
    return model, load_model(session, settings, model.id)


@lru_cache(maxsize=32)
def _load(model_id: str, feature: str, path: str, files: tuple[tuple[str, str], ...]) -> Any:
    blobs = []
    for name, digest in files:
        try:
            with open(f"{path}/{name}", "rb") as fh:
                blob = fh.read()
        except FileNotFoundError:
            raise NotFound(f"model {model_id}: artifact {name} is missing") from None
        if sha256(blob) != digest:
            raise Conflict(f"model {model_id}: artifact {name} does not match its sha256")
        blobs.append(blob)
    return kind(feature).load(blobs)


def remove_member(db: Engine, settings: Settings, member_id: int) -> list[str]:
    """Take the member's postings out of every active retrieval index; returns the ids of
    the index versions created. Needs the successor datasets already built (propagation
    builds them first); raises ConsentryError naming a dataset that still holds them."""
    from consentry.datasets.records import shard_of

    created = []
    with session_scope(db) as session:
        holding = [
            m for m in registry.models_containing(session, member_id) if m.feature == "retrieval"
        ]
        plans = []
        for model in holding:
            successor = _active_descendant(session, model.dataset_id)
            if successor is None or member_id in _members_of(session, successor):
                raise Conflict(
                    f"dataset {model.dataset_id} has no successor without member {member_id} yet; "
                    "build it first (`consentry propagate`)"
                )
            plans.append((model.id, successor, shard_of(member_id, model.shards)))
    for model_id, successor, shard in plans:
        version = retrain_successor(db, settings, model_id, dataset_id=successor, shards=[shard])
        created.append(version.id)
    return created


def _active_descendant(session: Session, dataset_id: str) -> str | None:
    current = get_dataset(session, dataset_id)
    by_parent = {
        d.parent_id: d for d in list_datasets(session, purpose=current.purpose) if d.parent_id
    }
    while current.status != DatasetStatus.ACTIVE:
        nxt = by_parent.get(current.id)
        if nxt is None:
            return None
        current = nxt
    return current.id if current.id != dataset_id else None


def _members_of(session: Session, dataset_id: str) -> set[int]:
    return set(
        session.scalars(
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == dataset_id)
            .distinct()
        )
    )
