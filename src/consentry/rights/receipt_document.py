"""Writing a propagation's receipt: gather what changed from the database, sign, store.

The document is checked against the typed `receipt_model.Receipt` and signed with the
current Ed25519 receipt key (`receipt_signing`) before it is stored.

The receipt is issued in the same transaction that marks its job done, so a job is done
exactly when its receipt exists; a worker that dies before that commit leaves a job that
the next worker finishes, issuing the receipt then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import checkpoints
from consentry.keys import Keyring
from consentry.rights import queue, receipt_signing, receipts
from consentry.rights.receipt_model import FORMAT
from consentry.store.consent_tables import ConsentEvent
from consentry.store.dataset_tables import DatasetShardRow, DatasetVersionRow
from consentry.store.engine import get_row, immediate, session_scope, utcnow
from consentry.store.rights_tables import JobKind, PropagationJob
from consentry.store.training_tables import ModelShardRow, ModelVersionRow


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="microseconds")


def _dataset(session: Session, dataset_id: str, shards: list[int] | None = None) -> dict:
    row = get_row(session, DatasetVersionRow, dataset_id)
    entry: dict[str, Any] = {
        "id": row.id,
        "purpose": row.purpose,
        "created_at": _time(row.created_at),
        "retired_at": _time(row.retired_at),
        "manifest_sha256": row.manifest_sha256,
        "as_of_seq": row.as_of_seq,
        "records": row.records,
    }
    if shards is not None:
        files = session.scalars(
            select(DatasetShardRow)
            .where(DatasetShardRow.dataset_id == dataset_id, DatasetShardRow.shard.in_(shards))
            .order_by(DatasetShardRow.shard)
        )
        entry["rebuilt_shards"] = [
            {"shard": f.shard, "sha256": f.sha256, "rows": f.rows} for f in files
        ]
    return entry


def _model(session: Session, model_id: str) -> dict:
    row = get_row(session, ModelVersionRow, model_id)
    subs = session.scalars(
        select(ModelShardRow)
        .where(ModelShardRow.model_id == model_id)
        .order_by(ModelShardRow.shard)
    )
    return {
        "id": row.id,
        "feature": row.feature,
        "purpose": row.purpose,
        "dataset_id": row.dataset_id,
        "created_at": _time(row.created_at),
        "superseded_at": _time(row.superseded_at),
        "sub_models": [
            {"shard": s.shard, "sha256": s.sha256, "retrained": not s.reused} for s in subs
        ],
    }


def build_document(session: Session, job: PropagationJob, progress: dict[str, Any]) -> dict:
    """The unsigned receipt of `job`, from its progress and the artifacts' rows now."""
    # A refresh answers a change of content or region, not a consent event: the ledger
    # position it was queued at is another member's entry, never named in this receipt.
    refresh = job.kind == JobKind.REFRESH
    event = None if refresh else get_row(session, ConsentEvent, job.ledger_seq)
    now = utcnow()
    datasets, models = [], []
    for entry in progress.get("datasets", []):
        successor = entry.get("successor")
        datasets.append(
            {
                "retired": _dataset(session, entry["parent"]),
                "created": None
                if successor is None
                else _dataset(session, successor, entry["rebuilt_shards"]),
                "records_removed": entry.get("records_removed", 0),
            }
        )
        for model in entry.get("models", []):
            models.append(
                {
                    "retired": _model(session, model["model"]),
                    # None: superseded by a concurrent propagation before this one could.
                    "created": None
                    if model.get("successor") is None
                    else _model(session, model["successor"]),
                }
            )
    return {
        "format": FORMAT,
        "id": receipts.new_receipt_id(),
        "issued_at": _time(now),
        "issuer": "consentry",
        "job_id": job.id,
        "member_id": job.member_id,
        "kind": job.kind,
        "purpose": job.purpose,
        "ledger_entry": None
        if event is None
        else {
            "seq": event.seq,
            "hash": event.hash,
            "action": event.action,
            "purpose": event.purpose,
            "source": event.source,
            "occurred_at": _time(event.occurred_at),
        },
        **({"reason": progress.get("reason") or "changed"} if refresh else {}),
        "timings": {
            "requested_at": _time(job.created_at),
            "started_at": _time(job.started_at),
            "finished_at": _time(now),
            "seconds_to_receipt": round((now - job.created_at).total_seconds(), 3),
            "step_seconds": progress.get("timings", {}),
        },
        "datasets": datasets,
        "models": models,
        "retrieval_indexes": list(progress.get("indexes", [])),
        # Erasure: what the check after the purge found (it fails the job when it finds
        # anything, so a receipt never says more than was checked). None: a withdrawal.
        "erasure_check": progress.get("verified"),
    }


def issue(db: Engine, settings: Settings, job: queue.ClaimedJob, progress: dict) -> str:
    """Sign and store the receipt of `job` and mark the job done, in one transaction.

    Returns the receipt id. Raises `queue.LostLease` if another worker owns the job now.
    The keyring is read here, not at start-up, so a worker signs with the receipt key
    current when the receipt is issued, even after a rotation while it ran.
    """
    ring = Keyring.load(settings)
    with session_scope(immediate(db)) as session:
        row = get_row(session, PropagationJob, job.id)
        existing = receipts.receipt_for_job(session, job.id)
        if existing is None:
            document = receipt_signing.sign(build_document(session, row, progress), ring)
            receipts.store(session, document, job_id=job.id)
            existing = document
        queue.finish(session, job, receipt_id=existing["id"], progress=progress)
    # A signed head outside the database at every receipt (consent/checkpoints).
    with session_scope(db) as session:
        checkpoints.write(session, settings, checkpoints.Reason.RECEIPT)
    return str(existing["id"])
