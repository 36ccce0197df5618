"""The rights area's tables: the propagation queue and the receipts it issues.

A withdrawal or erasure inserts a `propagation_jobs` row in the same transaction as its
ledger entry, so an acknowledged change is never without its propagation. A worker claims
a job (status `queued` -> `running`, with a lease), carries out its steps, records each
finished unit of work in `progress` (JSON) so that a crash resumes where it stopped, and
ends by storing a signed receipt in `receipts` in the same transaction that marks the job
`done`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consentry.store.tables import Base


class JobKind(StrEnum):
    """What caused a propagation: a withdrawal (or objection) of one purpose, an erasure
    of the whole account, or a refresh: the member's content or region changed (a post
    deleted or edited, a move to a region with other rules), so every live dataset holding
    the member is selected again for their shard, with no consent event behind it."""

    WITHDRAW = "withdraw"
    ERASE = "erase"
    REFRESH = "refresh"


class JobStatus(StrEnum):
    """Where a propagation job stands: `queued` -> `running` -> `done`, or back to
    `queued` after an error, and `failed` once it has failed too often."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_KINDS = tuple(JobKind)
JOB_STATUSES = tuple(JobStatus)
#: The statuses of a job that is not finished: it blocks later jobs of its member.
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def _in(column: str, values: tuple[str, ...]) -> str:
    # `str(v)`, not the enum's repr: the constraint text must stay what migration 0005 wrote.
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class PropagationJob(Base):
    """One propagation: the downstream work one withdrawal or erasure causes.

    `purpose` is the purpose withdrawn (or objected to), `*` for an erasure. `ledger_seq`
    and `ledger_hash` name the ledger entry that caused it. `step` is the step in progress
    (or the last one finished); `progress` is a JSON document of what each step has done.
    A running job belongs to `worker` until `lease_until`; a job whose worker died, or
    whose lease ran out, may be claimed again.
    """

    __tablename__ = "propagation_jobs"
    __table_args__ = (
        Index("ix_propagation_jobs_status", "status", "id"),
        Index("ix_propagation_jobs_member", "member_id", "status"),
        CheckConstraint(_in("kind", JOB_KINDS), name="kind"),
        CheckConstraint(_in("status", JOB_STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    ledger_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    ledger_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=JobStatus.QUEUED)
    step: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    receipt_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReceiptRow(Base):
    """A signed receipt, stored as the exact canonical JSON that was signed."""

    __tablename__ = "receipts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)


class ErasedNameHash(Base):
    """A keyed hash of one way of writing an erased member's name, for the scrubber.

    `digest` is HMAC-SHA256, under the fixed `erased-names` key, of the name's folded word
    sequence (`consentry.datasets.scrub.erased`); `words` is how many words it has. `gate`
    is a 16-bit bucket of the first word's keyed hash: enough to skip most words of a text
    without hashing windows, too coarse to confirm a name. No name, no member id and no
    time is stored, so the table links no one to anything without the key.
    """

    __tablename__ = "erased_name_hashes"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    words: Mapped[int] = mapped_column(Integer, nullable=False)
    gate: Mapped[int] = mapped_column(Integer, nullable=False)
