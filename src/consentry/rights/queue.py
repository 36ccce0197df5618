"""The propagation queue: enqueue, claim with a lease, heartbeat, finish, hand back.

Claiming is serialised (SQLite `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped
advisory lock), and a job is claimable only when no other job of the same member is
running under a live owner and no earlier job of that member is unfinished. So two
propagations for one member never run at once, and one member's jobs run in ledger order.

A running job belongs to its worker until its lease runs out; each step renews the lease.
A job whose worker is gone (its lease expired, or its process on this host no longer
exists) is claimed again and resumes from its recorded progress. Every write a worker
makes to its job checks that it still owns it, so a worker presumed dead that wakes up
cannot overwrite its successor's work.

A job's progress is stored only after it validates as a `PropagationProgress`
(rights/progress.py), so what an operator or auditor reads always has its published shape.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, func, select, text, update
from sqlalchemy.orm import Session

from consentry.consent.ledger import LedgerEntry
from consentry.rights.progress import PropagationProgress, checked
from consentry.store.engine import immediate, session_scope, utcnow
from consentry.store.rights_tables import UNFINISHED, JobKind, JobStatus, PropagationJob

#: How long a claim lasts without a heartbeat. Steps renew it; a dead worker's job is
#: reclaimed at once on the same host (its process is gone), elsewhere when this runs out.
LEASE = timedelta(minutes=10)
#: A job that fails this many times (a real error, not a crash) is marked failed.
MAX_ATTEMPTS = 5
#: After an error a job waits RETRY_AFTER * 2**(attempts - 1) before it is claimed again.
RETRY_AFTER = timedelta(seconds=1)
#: Key of the PostgreSQL advisory lock that serialises claims ("propagat" in hex).
_PG_CLAIM_LOCK = 0x70726F7061676174


class LostLease(Exception):
    """This worker no longer owns the job (it was presumed dead and the job reclaimed)."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job as its worker sees it when claimed."""

    id: int
    member_id: int
    kind: str
    purpose: str
    ledger_seq: int
    ledger_hash: str
    attempts: int
    progress: dict[str, Any]
    worker: str
    #: When a worker first took the job. A refresh covers every change made before then
    #: (a change made later queues a refresh of its own).
    started_at: datetime | None = None


def worker_id() -> str:
    """A name for this worker: host, process id and a random tag (several per process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def enqueue(session: Session, entry: LedgerEntry, *, kind: JobKind) -> int:
    """Queue the propagation of ledger `entry` in the caller's transaction; its job id."""
    job = PropagationJob(
        member_id=entry.member_id,
        kind=kind,
        purpose=entry.purpose,
        ledger_seq=entry.seq,
        ledger_hash=entry.hash,
        status=JobStatus.QUEUED,
        step="",
        attempts=0,
        progress="{}",
        created_at=entry.occurred_at,
    )
    session.add(job)
    session.flush()
    return job.id


def _owner_alive(job: PropagationJob, now) -> bool:
    if job.lease_until is None or job.lease_until < now:
        return False
    host, _, rest = (job.worker or "").partition(":")
    if host != socket.gethostname():
        return True  # another machine: only its lease can tell
    try:
        os.kill(int(rest.partition(":")[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def claim(
    engine: Engine,
    *,
    worker: str,
    member_id: int | None = None,
    lease: timedelta = LEASE,
) -> ClaimedJob | None:
    """Claim the oldest claimable job (of `member_id` only, if given), or None."""
    with session_scope(immediate(engine)) as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CLAIM_LOCK})
        now = utcnow()
        query = (
            select(PropagationJob)
            .where(PropagationJob.status.in_(UNFINISHED))
            .order_by(PropagationJob.id)
        )
        if member_id is not None:
            query = query.where(PropagationJob.member_id == member_id)
        blocked: set[int] = set()
        for job in session.scalars(query):
            if job.member_id in blocked:
                continue
            blocked.add(job.member_id)  # later jobs of this member wait for this one
            if job.status == JobStatus.RUNNING and _owner_alive(job, now):
                continue
            if (
                job.status == JobStatus.QUEUED
                and job.lease_until is not None
                and job.lease_until > now
            ):
                continue  # backing off after an error
            # The status test in the UPDATE makes the claim atomic even without the lock.
            claimed = session.execute(
                update(PropagationJob)
                .where(PropagationJob.id == job.id, PropagationJob.status == job.status)
                .where(
                    PropagationJob.worker.is_(None)
                    if job.worker is None
                    else PropagationJob.worker == job.worker
                )
                .values(
                    status=JobStatus.RUNNING,
                    worker=worker,
                    lease_until=now + lease,
                    attempts=PropagationJob.attempts + 1,
                    started_at=job.started_at or now,
                    error=None,
                )
            )
            if cast(CursorResult[Any], claimed).rowcount != 1:
                continue
            session.refresh(job)
            return ClaimedJob(
                job.id,
                job.member_id,
                job.kind,
                job.purpose,
                job.ledger_seq,
                job.ledger_hash,
                job.attempts,
                PropagationProgress.parse(job.progress).to_json(),
                worker,
                job.started_at,
            )
    return None


def _owned(session: Session, job: ClaimedJob) -> PropagationJob:
    row = session.get(PropagationJob, job.id, with_for_update=True)
    if row is None or row.status != JobStatus.RUNNING or row.worker != job.worker:
        raise LostLease(f"job {job.id} is no longer held by {job.worker}")
    return row


def record_progress(
    engine: Engine,
    job: ClaimedJob,
    *,
    step: str,
    progress: dict[str, Any],
    lease: timedelta = LEASE,
) -> None:
    """Save the job's progress and current step, and renew its lease (one commit)."""
    with session_scope(immediate(engine)) as session:
        row = _owned(session, job)
        row.step = step
        row.progress = checked(progress)
        row.lease_until = utcnow() + lease


def finish(session: Session, job: ClaimedJob, *, receipt_id: str, progress: dict) -> None:
    """Mark the job done with its receipt, in the caller's transaction."""
    row = _owned(session, job)
    row.status, row.step, row.receipt_id = JobStatus.DONE, "done", receipt_id
    row.progress = checked(progress)
    row.finished_at, row.worker, row.lease_until = utcnow(), None, None


def fail(engine: Engine, job: ClaimedJob, error: str) -> str:
    """Record an error; the job goes back to the queue, or fails after MAX_ATTEMPTS.
    Returns the job's new status."""
    with session_scope(immediate(engine)) as session:
        row = _owned(session, job)
        row.error = error[:2000]
        row.worker, row.lease_until = None, None
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.finished_at = JobStatus.FAILED, utcnow()
        else:
            # For a queued job `lease_until` is the time before which it is not retried.
            row.status = JobStatus.QUEUED
            row.lease_until = utcnow() + RETRY_AFTER * 2 ** (row.attempts - 1)
        return row.status


def hand_back(engine: Engine, job: ClaimedJob) -> None:
    """Return a job to the queue without counting an error (the worker was interrupted)."""
    with session_scope(immediate(engine)) as session:
        try:
            row = _owned(session, job)
        except LostLease:
            return
        row.status, row.worker, row.lease_until = JobStatus.QUEUED, None, None
        row.attempts = max(row.attempts - 1, 0)


def next_retry(session: Session) -> datetime | None:
    """When the earliest job waiting after an error may be retried (None: none waits)."""
    return session.scalar(
        select(func.min(PropagationJob.lease_until)).where(
            PropagationJob.status == JobStatus.QUEUED, PropagationJob.lease_until.is_not(None)
        )
    )


def get_job(session: Session, job_id: int) -> PropagationJob | None:
    return session.get(PropagationJob, job_id)


def pending(session: Session) -> int:
    """How many jobs are queued or running."""
    return len(
        session.scalars(
            select(PropagationJob.id).where(PropagationJob.status.in_(UNFINISHED))
        ).all()
    )
