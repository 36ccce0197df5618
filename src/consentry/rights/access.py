"""The member's right of access (GDPR Art. 15) to what Consentry did with their data for
AI: the facts behind "Your data and AI".

One member at a time, always scoped by `member_id` inside each query (never filtered
afterwards): their ledger timeline, the dataset versions that hold their records now and
those that held them before, the model versions trained on those datasets, the
propagation still pending for them, and the receipts they were issued.

The same facts feed the page, the JSON API and the AI-use files of the data export
(`rights.export`), so the three can never disagree. Reads only, in the caller's session.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.consent.ledger import history
from consentry.consent.versions import versions
from consentry.errors import ConsentryError, NotFound
from consentry.rights.receipts import get_receipt, member_receipts
from consentry.store.dataset_tables import DatasetLineageRow, DatasetVersionRow
from consentry.store.rights_tables import UNFINISHED, JobStatus, PropagationJob
from consentry.store.training_tables import ModelVersionRow
from consentry.training.registry import trained_on_member

# What each ledger action means, said to the member.
ACTION_WORDS = {
    "grant": "You allowed",
    "withdraw": "You withdrew consent to",
    "object": "You objected to",
    "erase": "You erased your account",
    "notice-shown": "You were shown the notice of policy version",
}
SOURCE_WORDS = {
    "settings": "in your settings",
    "api": "through the API",
    "gpc": "by your browser's Global Privacy Control signal",
    "import": "when your data was imported",
    "admin": "by an operator at your request",
}


def iso(value: datetime | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with an explicit `Z`."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class TimelineEntry:
    """One of the member's ledger entries, with a sentence saying what it was."""

    seq: int
    occurred_at: datetime
    action: str
    purpose: str
    source: str
    policy_version: int
    notice_version: int | None
    hash: str
    sentence: str


@dataclass(frozen=True)
class DatasetHolding:
    """A dataset version that holds (or held) `records` of the member's records."""

    id: str
    purpose: str
    status: str
    records: int
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class ModelHolding:
    """A model version trained on a dataset version that held the member's records."""

    id: str
    feature: str
    purpose: str
    dataset_id: str
    status: str
    created_at: datetime
    superseded_at: datetime | None


@dataclass(frozen=True)
class PendingPropagation:
    """A withdrawal or erasure whose propagation has not finished yet."""

    job_id: int
    kind: str
    purpose: str
    status: str
    step: str
    requested_at: datetime
    error: str | None


def _purpose_titles(session: Session) -> dict[str, str]:
    titles: dict[str, str] = {}
    for version in versions(session):  # newest title wins
        titles.update({k: p.title for k, p in version.policy.purposes.items()})
    return titles


def timeline(session: Session, member_id: int) -> list[TimelineEntry]:
    """The member's ledger entries, newest first, each with a plain sentence."""
    titles = _purpose_titles(session)
    out = []
    for e in history(session, member_id=member_id):
        words = ACTION_WORDS.get(e.action, e.action)
        if e.action == "notice-shown":
            sentence = f"{words} {e.notice_version}"
        elif e.purpose == "*":
            sentence = words
        else:
            sentence = f"{words} “{titles.get(e.purpose, e.purpose)}”"
        if e.action != "notice-shown":
            sentence += f" {SOURCE_WORDS.get(e.source, e.source)}"
        out.append(
            TimelineEntry(
                e.seq,
                e.occurred_at,
                e.action,
                e.purpose,
                e.source,
                e.policy_version,
                e.notice_version,
                e.hash,
                sentence + ".",
            )
        )
    out.reverse()
    return out


def datasets(session: Session, member_id: int) -> list[DatasetHolding]:
    """Every dataset version whose lineage names the member, newest first."""
    rows = session.execute(
        select(DatasetVersionRow, func.count(DatasetLineageRow.id))
        .join(DatasetLineageRow, DatasetLineageRow.dataset_id == DatasetVersionRow.id)
        .where(DatasetLineageRow.member_id == member_id)
        .group_by(DatasetVersionRow.id)
        .order_by(DatasetVersionRow.created_at.desc(), DatasetVersionRow.id.desc())
    ).all()
    return [
        DatasetHolding(d.id, d.purpose, d.status, int(n), d.created_at, d.retired_at)
        for d, n in rows
    ]


def models(session: Session, member_id: int) -> list[ModelHolding]:
    """Every model version trained on a dataset version that held the member, newest
    first (active ones hold the member now; the others did before)."""
    rows = session.scalars(
        trained_on_member(member_id).order_by(
            ModelVersionRow.created_at.desc(), ModelVersionRow.id.desc()
        )
    ).all()
    return [
        ModelHolding(
            m.id, m.feature, m.purpose, m.dataset_id, m.status, m.created_at, m.superseded_at
        )
        for m in rows
    ]


def pending(session: Session, member_id: int) -> list[PendingPropagation]:
    """The member's propagation jobs that are queued, running or failed, oldest first."""
    rows = session.scalars(
        select(PropagationJob)
        .where(
            PropagationJob.member_id == member_id,
            PropagationJob.status.in_((*UNFINISHED, JobStatus.FAILED)),
        )
        .order_by(PropagationJob.id)
    ).all()
    return [
        PendingPropagation(j.id, j.kind, j.purpose, j.status, j.step, j.created_at, j.error)
        for j in rows
    ]


def receipts(session: Session, member_id: int) -> list[dict[str, Any]]:
    """The member's signed receipts, newest first, exactly as issued."""
    return list(reversed(member_receipts(session, member_id)))


def own_receipt(session: Session, member_id: int, receipt_id: str) -> dict[str, Any]:
    """The member's own receipt, as issued. Raises NotFound alike for another member's
    receipt and for none at all, so that a receipt id reveals nothing about anyone else."""
    try:
        document = get_receipt(session, receipt_id)
    except ConsentryError:
        document = None
    if document is None or document.get("member_id") != member_id:
        raise NotFound("You have no receipt with that id.")
    return document


def jsonable(item: Any) -> dict[str, Any]:
    """A dataclass above as JSON-ready data (times as ISO 8601 UTC)."""
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in asdict(item).items()}


def _csv(columns: tuple[str, ...], rows: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def ai_use_files(session: Session, member_id: int) -> dict[str, bytes]:
    """The AI-use files of a data export: choices (JSON and CSV, from the ledger),
    datasets, models, pending propagation, and each receipt as issued."""
    choices = list(reversed(timeline(session, member_id)))  # oldest first in a file
    files = {
        "choices.json": _json([jsonable(c) for c in choices]),
        "choices.csv": _csv(
            ("seq", "occurred_at", "action", "purpose", "source", "policy_version", "hash"),
            [
                (c.seq, iso(c.occurred_at), c.action, c.purpose, c.source, c.policy_version, c.hash)
                for c in choices
            ],
        ),
        "datasets.json": _json([jsonable(d) for d in datasets(session, member_id)]),
        "models.json": _json([jsonable(m) for m in models(session, member_id)]),
        "propagation.json": _json([jsonable(p) for p in pending(session, member_id)]),
    }
    for document in receipts(session, member_id):
        files[f"receipts/{document['id']}.json"] = _json(document)
    return files


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
