"""Receipts: what a propagation changed, stored as issued, and checked against the database.

A receipt is a JSON document naming the member, the ledger entry of their withdrawal or
erasure, every dataset and model version retired and created (ids, times, hashes), the
retrieval indexes cleaned, and how long it took. Its shape is `receipt_model.Receipt`;
its signature (Ed25519, verifiable by anyone with the server's public keys) is made and
checked by `receipt_signing`. The stored form is the signed document as compact JSON with
sorted keys; the signature does not depend on that form (it covers RFC 8785 canonical
JSON), so a reformatted copy verifies too.

This module keeps receipts (store, find, list) and compares what one names with the
database now (`check_artifacts`), which only the issuing server can do.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.errors import InvalidInput, NotFound
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.engine import utcnow
from consentry.store.rights_tables import ReceiptRow
from consentry.store.training_tables import ModelVersionRow


def canonical(document: dict[str, Any]) -> bytes:
    """The stored form: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def check_artifacts(session: Session, document: dict[str, Any]) -> list[str]:
    """Compare what the receipt names with the database now; one line per finding.

    A dataset the receipt says was retired must not be active again; a dataset it says
    was created must exist with the same manifest hash (it may since have been retired by
    a later propagation, which is reported, not a failure). Lines starting with "MISMATCH"
    are failures.
    """
    lines: list[str] = []
    for change in document.get("datasets", []):
        old, new = change["retired"], change.get("created")
        row = session.get(DatasetVersionRow, old["id"])
        if row is None:
            lines.append(f"MISMATCH dataset {old['id']} is unknown to this database")
        elif row.status == "active":
            lines.append(f"MISMATCH dataset {old['id']} is active again")
        else:
            lines.append(f"dataset {old['id']} is {row.status}")
        if new is None:
            continue
        row = session.get(DatasetVersionRow, new["id"])
        if row is None:
            lines.append(f"MISMATCH dataset {new['id']} is unknown to this database")
        elif row.manifest_sha256 != new["manifest_sha256"]:
            lines.append(f"MISMATCH dataset {new['id']} has another manifest hash now")
        else:
            lines.append(f"dataset {new['id']} is {row.status}, manifest hash as issued")
    lines.extend(_check_models(session, document))
    return lines


def _check_models(session: Session, document: dict[str, Any]) -> list[str]:
    lines = []
    for change in document.get("models", []):
        for role in ("retired", "created"):
            entry = change.get(role)
            if entry is None:
                continue
            row = session.get(ModelVersionRow, entry["id"])
            if row is None:
                lines.append(f"MISMATCH model {entry['id']} is unknown to this database")
            elif role == "retired" and row.status == "active":
                lines.append(f"MISMATCH model {entry['id']} is active again")
            elif role == "created" and row.dataset_id != entry["dataset_id"]:
                lines.append(f"MISMATCH model {entry['id']} names another dataset now")
            else:
                lines.append(f"model {entry['id']} is {row.status}")
    return lines


def new_receipt_id() -> str:
    return f"rcpt-{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def store(session: Session, document: dict[str, Any], *, job_id: int) -> ReceiptRow:
    """Insert a signed receipt, in the caller's transaction."""
    row = ReceiptRow(
        id=document["id"],
        job_id=job_id,
        member_id=document["member_id"],
        issued_at=datetime.fromisoformat(document["issued_at"]),
        document=canonical(document).decode(),
    )
    session.add(row)
    return row


def get_receipt(session: Session, receipt_id: str) -> dict[str, Any]:
    """The stored receipt `receipt_id`, as issued."""
    row = session.get(ReceiptRow, receipt_id)
    if row is None:
        raise NotFound(f"no receipt {receipt_id!r}; `consentry receipts list MEMBER` shows them")
    return json.loads(row.document)


def receipt_for_job(session: Session, job_id: int) -> dict[str, Any] | None:
    row = session.scalar(select(ReceiptRow).where(ReceiptRow.job_id == job_id))
    return None if row is None else json.loads(row.document)


def member_receipts(session: Session, member_id: int) -> list[dict[str, Any]]:
    """Every receipt issued to `member_id`, oldest first."""
    rows = session.scalars(
        select(ReceiptRow).where(ReceiptRow.member_id == member_id).order_by(ReceiptRow.issued_at)
    )
    return [json.loads(r.document) for r in rows]


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in the file at `path`; NotFound, or InvalidInput saying the file is
    not `what`, for anything else."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotFound(f"no such file: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"{path} is not {what}") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{path} is not {what}")
    return document


def load_file(path: Path) -> dict[str, Any]:
    """A receipt read from a JSON file, or a clear error."""
    return read_json_object(path, "a JSON receipt")
