"""Where the system stands, for an operator: one figure per area, and the propagation
queue, newest job first.

The operator pages, the admin API and anything else that shows these figures call the
functions here, so two faces can never show different numbers. Datasets and models are
read through their own areas (`datasets.catalog`, `datasets.review`, `training.registry`).
Reads only, in the caller's session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.consent import ledger
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.rights_tables import JOB_STATUSES, PropagationJob
from consentry.store.tables import Member
from consentry.store.training_tables import ModelVersionRow


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
    counts: dict[str, int] = dict.fromkeys(JOB_STATUSES, 0)
    rows = session.execute(
        select(PropagationJob.status, func.count()).group_by(PropagationJob.status)
    )
    for status, n in rows:
        counts[status] = int(n)
    return counts


def overview(session: Session) -> Overview:
    """One figure per area: datasets, models, the queue, the ledger head, members."""
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
