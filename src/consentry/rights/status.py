"""What the operator pages and the admin API read: datasets, models, the propagation
queue, the ledger head. One function per view, shared by both, so a page and its API
route can never show different figures.

Reads go through each area's own API (`datasets.catalog`, `training.registry`) where it
has one; the propagation queue is read straight from its table, newest job first.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from fastapi import HTTPException
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import ledger
from consentry.datasets.audit import AuditReport, audit_dataset
from consentry.datasets.catalog import DatasetVersion, list_datasets
from consentry.errors import ConsentryError
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.rights_tables import JOB_STATUSES, PropagationJob
from consentry.store.tables import Member
from consentry.store.training_tables import ModelVersionRow
from consentry.training.registry import ModelVersion, get_model, list_models

# Ids are generated (`<purpose>-<UTC stamp>-<hex>`); anything else cannot name one.
ARTIFACT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

log = logging.getLogger("consentry.web")


@dataclass(frozen=True)
class Overview:
    """The operator's start page: one figure per area."""

    datasets_active: int
    datasets_total: int
    models_active: int
    models_total: int
    queue: dict[str, int]
    ledger_seq: int
    ledger_hash: str
    ledger_at: datetime | None
    members: int


@dataclass(frozen=True)
class JobView:
    """One propagation job, with the member's handle for the operator."""

    id: int
    member_id: int
    member_handle: str | None
    kind: str
    purpose: str
    ledger_seq: int
    status: str
    step: str
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    receipt_id: str | None
    progress: dict[str, Any]


def _count(session: Session, column, *where) -> int:
    return int(session.scalar(select(func.count(column)).where(*where)) or 0)


def queue_counts(session: Session) -> dict[str, int]:
    """Jobs per status, every status present (zero when none)."""
    counts = dict.fromkeys(JOB_STATUSES, 0)
    rows = session.execute(
        select(PropagationJob.status, func.count()).group_by(PropagationJob.status)
    )
    for status, n in rows:
        counts[status] = int(n)
    return counts


def overview(session: Session) -> Overview:
    head = ledger.head(session)
    return Overview(
        datasets_active=_count(session, DatasetVersionRow.id, DatasetVersionRow.status == "active"),
        datasets_total=_count(session, DatasetVersionRow.id),
        models_active=_count(session, ModelVersionRow.id, ModelVersionRow.status == "active"),
        models_total=_count(session, ModelVersionRow.id),
        queue=queue_counts(session),
        ledger_seq=head.seq,
        ledger_hash=head.hash,
        ledger_at=head.occurred_at,
        members=_count(session, Member.id, Member.deleted_at.is_(None)),
    )


def datasets(session: Session, *, purpose: str | None = None) -> list[DatasetVersion]:
    return list_datasets(session, purpose=purpose)


def dataset(session: Session, dataset_id: str) -> DatasetVersion:
    """The dataset version, or 404 naming it."""
    row = session.get(DatasetVersionRow, dataset_id)
    if row is None:
        raise HTTPException(404, f"There is no dataset version {dataset_id!r}.")
    return DatasetVersion.from_row(row)


def manifest_of(found: DatasetVersion) -> dict[str, Any] | None:
    """The published manifest, or None when its files are gone (an erased dataset's are)."""
    try:
        return found.manifest()
    except (ConsentryError, OSError, ValueError):  # gone or unreadable: shown, not raised
        return None


def run_audit(engine: Engine, settings: Settings, dataset_id: str) -> AuditReport:
    """`audit_dataset`, except that a shard file that cannot even be read (truncated,
    not Parquet, gone) is reported as a violation instead of failing the request."""
    try:
        return audit_dataset(engine, settings, dataset_id)
    except (OSError, pa.ArrowException) as exc:
        log.warning("audit of %s could not read its files: %s", dataset_id, exc)
        return AuditReport(
            dataset_id,
            violations=[f"a shard file could not be read, so it is not what was published: {exc}"],
        )


def models(session: Session, *, status: str | None = None) -> list[ModelVersion]:
    return list_models(session, status=status)


def model(session: Session, model_id: str) -> ModelVersion:
    """The model version, or 404 naming it."""
    if session.get(ModelVersionRow, model_id) is None:
        raise HTTPException(404, f"There is no model version {model_id!r}.")
    return get_model(session, model_id)


def propagation_jobs(
    session: Session, *, status: str | None = None, limit: int = 100
) -> list[JobView]:
    """The newest `limit` jobs (optionally of one status), newest first."""
    stmt = (
        select(PropagationJob, Member.handle)
        .outerjoin(Member, Member.id == PropagationJob.member_id)
        .order_by(PropagationJob.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(PropagationJob.status == status)
    out = []
    for job, handle in session.execute(stmt):
        try:
            progress = json.loads(job.progress or "{}")
        except ValueError:
            progress = {}
        out.append(
            JobView(
                id=job.id,
                member_id=job.member_id,
                member_handle=handle,
                kind=job.kind,
                purpose=job.purpose,
                ledger_seq=job.ledger_seq,
                status=job.status,
                step=job.step,
                attempts=job.attempts,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
                error=job.error,
                receipt_id=job.receipt_id,
                progress=progress if isinstance(progress, dict) else {},
            )
        )
    return out
