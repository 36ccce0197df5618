"""Signed checkpoints of the ledger's head, kept outside the database.

A checkpoint says "at `written_at` the ledger's newest entry was `seq`, with hash `hash`",
signed with the receipt key (Ed25519 JWS, `consentry.signing`; typ
`consentry-ledger-checkpoint+jws`), so anyone holding the published JWKS can check it and
no one without the master secret can make one. They are appended, one JSON object a line,
to `data_dir/ledger/checkpoints.jsonl`: outside the database, so someone who can rewrite
the tables cannot make the ledger's past heads agree with a shortened or rewritten chain.

One is written at every dataset publication, every receipt, by `consentry init` when it
seals the entries written before seals existed (`reason` "seal", with `sealed_upto`), and
on demand or on an interval by `consentry ledger checkpoint`. `ledger verify` checks every
line's signature and that the ledger still holds each recorded head.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import ledger
from consentry.keys import Keyring
from consentry.signing import check_detached, public_keys, sign_detached
from consentry.store.engine import utcnow

FORMAT = 1
JWS_TYPE = "consentry-ledger-checkpoint+jws"
FILE = Path("ledger") / "checkpoints.jsonl"


class Reason(StrEnum):
    """Why a checkpoint was written."""

    BUILD = "build"
    RECEIPT = "receipt"
    INTERVAL = "interval"
    SEAL = "seal"


@dataclass(frozen=True)
class RecordedHead:
    """A ledger position and hash that something outside the ledger recorded, and what."""

    seq: int
    hash: str
    source: str


def path(settings: Settings) -> Path:
    return settings.data_dir / FILE


def write(
    session: Session, settings: Settings, reason: Reason, *, sealed_upto: int | None = None
) -> dict[str, Any]:
    """Sign the current head and append it to the checkpoint file; return the checkpoint."""
    top = ledger.head(session)
    body: dict[str, Any] = {
        "format": FORMAT,
        "seq": top.seq,
        "hash": top.hash,
        "ledger_time": None if top.occurred_at is None else top.occurred_at.isoformat(),
        "written_at": utcnow().isoformat(timespec="microseconds"),
        "reason": str(reason),
    }
    if sealed_upto is not None:
        body["sealed_upto"] = sealed_upto
    document = {**body, "signature": sign_detached(body, Keyring.load(settings), JWS_TYPE)}
    line = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
    target = path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    # One write of one line under an exclusive lock: concurrent writers (server, worker,
    # a build) never interleave, and a crash leaves at most a torn last line.
    with target.open("a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)
        try:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())
        finally:
            fcntl.flock(out, fcntl.LOCK_UN)
    return document


def read(settings: Settings) -> list[dict[str, Any] | None]:
    """Every line of the checkpoint file, in order; None for a line that is not JSON."""
    target = path(settings)
    if not target.exists():
        return []
    lines: list[dict[str, Any] | None] = []
    for text in target.read_text(encoding="utf-8").splitlines():
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        lines.append(value if isinstance(value, dict) else None)
    return lines


def seal_record(settings: Settings) -> dict[str, Any] | None:
    """The checkpoint that recorded the one-off sealing of old entries, if there is one."""
    for line in read(settings):
        if line is not None and line.get("reason") == Reason.SEAL:
            return line
    return None


def check(settings: Settings, ring: Keyring) -> tuple[list[RecordedHead], list[str]]:
    """The heads the checkpoint file records, and what is wrong with any line of it."""
    jwks = public_keys(ring)
    heads: list[RecordedHead] = []
    problems: list[str] = []
    for number, line in enumerate(read(settings), start=1):
        where = f"checkpoint {number} in {path(settings)}"
        if line is None:
            problems.append(f"{where} is not a JSON object (the file was edited or torn)")
            continue
        problem = check_detached(line, jwks, JWS_TYPE, issued_at=str(line.get("written_at")))
        if problem is not None:
            problems.append(f"{where} is not genuine: {problem}")
            continue
        seq, digest = line.get("seq"), line.get("hash")
        if isinstance(seq, int) and isinstance(digest, str):
            heads.append(RecordedHead(seq, digest, f"{where} ({line.get('reason')})"))
    return heads, problems
