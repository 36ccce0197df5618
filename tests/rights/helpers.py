"""Checks of DESIGN invariant 3 ("withdrawal reaches everything"), read from the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from consentry.datasets.catalog import datasets_holding
from consentry.keys import Keyring
from consentry.rights.receipt_signing import verify_on_server
from consentry.rights.receipts import check_artifacts, get_receipt
from consentry.store.dataset_tables import DatasetShardRow, DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.training_tables import ModelShardRow, ModelVersionRow
from consentry.training import registry


@dataclass(frozen=True)
class Active:
    """The active dataset and model versions at one moment: id -> purpose."""

    datasets: dict[str, str]
    models: dict[str, str]


def active(engine: Engine) -> Active:
    with session_scope(engine) as s:
        datasets = dict(
            s.execute(
                select(DatasetVersionRow.id, DatasetVersionRow.purpose).where(
                    DatasetVersionRow.status == "active"
                )
            ).all()
        )
        models = dict(
            s.execute(
                select(ModelVersionRow.id, ModelVersionRow.purpose).where(
                    ModelVersionRow.status == "active"
                )
            ).all()
        )
    return Active(datasets, models)


def assert_reached(engine: Engine, member: int, purposes: set[str]) -> None:
    """No active dataset or model (retrieval indexes included) of `purposes` holds `member`."""
    with session_scope(engine) as s:
        holding = datasets_holding(s, member)
        purpose_of = dict(
            s.execute(
                select(DatasetVersionRow.id, DatasetVersionRow.purpose).where(
                    DatasetVersionRow.id.in_(holding)
                )
            ).all()
        )
        assert not [d for d in holding if purpose_of[d] in purposes], holding
        models = [m for m in registry.models_containing(s, member) if m.purpose in purposes]
        assert models == []


def receipt_of(engine: Engine, settings, job_id: int) -> dict:
    """The job's receipt, checked: done, signed by this server, artifacts as it says."""
    with session_scope(engine) as s:
        job = s.get(PropagationJob, job_id)
        assert job.status == "done", (job.status, job.error)
        document = get_receipt(s, job.receipt_id)
        assert verify_on_server(document, Keyring.load(settings)).ok
        lines = check_artifacts(s, document)
    assert not [line for line in lines if line.startswith("MISMATCH")], lines
    return document


def assert_names_every_change(document: dict, before: Active, after: Active) -> None:
    """The receipt names exactly the dataset and model versions that changed."""
    retired = {d["retired"]["id"] for d in document["datasets"]}
    created = {d["created"]["id"] for d in document["datasets"]}
    assert retired == set(before.datasets) - set(after.datasets)
    assert created == set(after.datasets) - set(before.datasets)
    assert {m["retired"]["id"] for m in document["models"]} == set(before.models) - set(
        after.models
    )
    assert {m["created"]["id"] for m in document["models"]} == set(after.models) - set(
        before.models
    )


def fingerprint(engine: Engine) -> dict:
    """What a propagation produced, free of generated ids and times: each active dataset's
    purpose and shard hashes, each active model's feature and sub-model hashes, and which
    versions (of those that existed before) are retired."""
    with session_scope(engine) as s:
        datasets = sorted(
            (
                d.purpose,
                tuple(
                    s.scalars(
                        select(DatasetShardRow.sha256)
                        .where(DatasetShardRow.dataset_id == d.id)
                        .order_by(DatasetShardRow.shard)
                    )
                ),
            )
            for d in s.scalars(
                select(DatasetVersionRow).where(DatasetVersionRow.status == "active")
            )
        )
        models = sorted(
            (
                m.feature,
                tuple(
                    s.scalars(
                        select(ModelShardRow.sha256)
                        .where(ModelShardRow.model_id == m.id)
                        .order_by(ModelShardRow.shard)
                    )
                ),
            )
            for m in s.scalars(select(ModelVersionRow).where(ModelVersionRow.status == "active"))
        )
        retired = sorted(
            s.scalars(select(DatasetVersionRow.id).where(DatasetVersionRow.status == "retired"))
        )
    return {"datasets": datasets, "models": models, "retired": retired}
