"""Refresh: a member's content or region changed, so live datasets are selected again.

Consent is not the only thing that decides what a dataset may hold: a post deleted, a
text edited (its old wording must leave), or a move to a region whose rules deny a
purpose all change a member's selection without any consent event. `request_refresh`
queues one propagation of kind `refresh` for the member, in the caller's transaction, so
the change and its propagation commit together. The worker then handles it like a
withdrawal over every purpose: each active dataset holding the member gets a successor
that re-selects the member's shard at the head (deleted items, old text and newly denied
purposes leave; everything the member still allows stays), the affected sub-models are
retrained, and the member gets a receipt whose `reason` says what changed.

A refresh is queued only when some active dataset holds the member: a member with
nothing in use has nothing to refresh, and no job is created. One queued refresh is
enough for any number of changes made before it runs (it selects at the head when it
runs), so a second request while one is still queued adds nothing.
"""

from __future__ import annotations

import json

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from consentry.consent.ledger import head
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import utcnow
from consentry.store.rights_tables import JobKind, JobStatus, PropagationJob

REASONS = ("deleted", "edited", "region")


def request_refresh(session: Session, member_id: int, *, reason: str) -> int | None:
    """Queue a refresh of `member_id`'s records in every active dataset; the job id, or
    None when no active dataset holds the member or a refresh is already queued.

    `reason` is one of REASONS and is stated on the receipt. The caller commits.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown refresh reason {reason!r}")
    held = session.scalar(
        select(
            exists().where(
                DatasetLineageRow.member_id == member_id,
                DatasetLineageRow.dataset_id == DatasetVersionRow.id,
                DatasetVersionRow.status == DatasetStatus.ACTIVE,
            )
        )
    )
    if not held:
        return None
    queued = session.scalar(
        select(PropagationJob.id).where(
            PropagationJob.member_id == member_id,
            PropagationJob.kind == JobKind.REFRESH,
            PropagationJob.status == JobStatus.QUEUED,
        )
    )
    if queued is not None:
        return None
    # Queued at the ledger head, so the member's jobs still run in ledger order; the
    # receipt never names that entry (it may be another member's).
    at = head(session)
    job = PropagationJob(
        member_id=member_id,
        kind=JobKind.REFRESH,
        purpose="*",
        ledger_seq=at.seq,
        ledger_hash=at.hash,
        status=JobStatus.QUEUED,
        step="",
        attempts=0,
        progress=json.dumps({"reason": reason}),
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job.id
