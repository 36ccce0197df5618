"""`ledger verify`: the ledger checked against itself and against every head recorded of it.

The consent ledger can only be trusted as far as it can be checked, so the check reads
everything the system itself recorded about the ledger and says, one line each, what
disagrees:

- the chain and the seals (`consent.ledger.verify` with the ledger key): an edited,
  deleted, reordered, inserted or forged entry, or one rewritten with its hash recomputed;
- the heads recorded outside the ledger's table: the signed checkpoints (a file outside
  the database, `consent.checkpoints`), every dataset version (its database row and its
  `manifest.json`), and every receipt (whose signature covers the entry that caused it).
  Each must still be in the ledger with the same hash: a deleted tail, or a chain rewritten
  wholesale, no longer holds them;
- the current-state table, which must equal the state the ledger implies;
- the append-only triggers, whose absence is how a rewrite starts.

It lives in rights/ because it reads what every lower layer recorded (receipts are the
rights area's); the web admin page, the API and the CLI call it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import checkpoints, ledger, ledger_seal, state
from consentry.consent.checkpoints import RecordedHead
from consentry.datasets.catalog import list_datasets
from consentry.errors import ConsentryError
from consentry.keys import Keyring
from consentry.rights.receipt_signing import verify_on_server
from consentry.store.consent_tables import ConsentEvent
from consentry.store.rights_tables import ReceiptRow

_CHUNK = 1000


@dataclass(frozen=True)
class LedgerAudit:
    """The outcome of `audit`: the chain's own verification, the heads compared with it,
    and every problem found (empty when the ledger verifies)."""

    chain: ledger.Verification
    heads_checked: int
    checkpoints: int
    problems: list[str] = field(default_factory=list)
    sealed: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(
    session: Session, settings: Settings, *, anchors: Iterable[tuple[int, str]] = ()
) -> LedgerAudit:
    """Check the ledger, its seals, every recorded head, the state table and the guards.
    `anchors` are (seq, hash) pairs the caller recorded elsewhere."""
    ring = Keyring.load(settings)
    chain = ledger.verify(session, key=ledger_seal.ledger_key(settings))
    problems = [] if chain.ok or chain.problem is None else [chain.problem]
    recorded, from_checkpoints = checkpoints.check(settings, ring)
    problems.extend(from_checkpoints)
    heads = [*recorded, *_dataset_heads(session, settings)]
    heads.extend(
        RecordedHead(seq, digest, f"anchor {seq}:{digest[:12]}") for seq, digest in anchors
    )
    receipt_heads, receipt_problems = _receipt_heads(session, ring)
    heads.extend(receipt_heads)
    problems.extend(receipt_problems)
    problems.extend(_compare(session, heads))
    problems.extend(state.differences(session))
    missing = ledger_seal.missing_guards(session)
    if missing:
        problems.append(
            "the triggers that keep the ledger append-only are missing "
            f"({', '.join(missing)}): someone with rights over the database dropped them"
        )
    return LedgerAudit(chain, len(heads), len(recorded), problems, _sealed_note(settings))


def _dataset_heads(session: Session, settings: Settings) -> Iterable[RecordedHead]:
    for version in list_datasets(session):
        if version.as_of_seq >= 1:
            yield RecordedHead(
                version.as_of_seq, version.as_of_hash, f"dataset {version.id} (its database row)"
            )
        try:
            as_of = version.manifest(settings.data_dir).get("as_of", {})
        except (ConsentryError, OSError, ValueError):
            continue  # a missing manifest is the dataset audit's to report, not the ledger's
        if isinstance(as_of.get("seq"), int) and as_of["seq"] >= 1:
            yield RecordedHead(
                as_of["seq"], str(as_of.get("hash")), f"dataset {version.id} (its manifest.json)"
            )


def _receipt_heads(session: Session, ring: Keyring) -> tuple[list[RecordedHead], list[str]]:
    heads: list[RecordedHead] = []
    problems: list[str] = []
    for receipt_id, text in session.execute(select(ReceiptRow.id, ReceiptRow.document)):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            problems.append(f"receipt {receipt_id} is not JSON (its row was edited)")
            continue
        check = verify_on_server(document, ring)
        if not check.ok:
            problems.append(f"receipt {receipt_id} is not genuine: {check.problem}")
            continue
        entry = document.get("ledger_entry")
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
            heads.append(
                RecordedHead(entry["seq"], str(entry.get("hash")), f"receipt {receipt_id}")
            )
    return heads, problems


def _compare(session: Session, heads: list[RecordedHead]) -> list[str]:
    """Each recorded head must still be in the ledger, with the hash recorded for it."""
    wanted = sorted({h.seq for h in heads if h.seq >= 1})
    stored: dict[int, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        part = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(ConsentEvent.seq, ConsentEvent.hash).where(ConsentEvent.seq.in_(part))
        )
        stored.update({seq: digest for seq, digest in rows})
    last = ledger.head(session).seq
    problems: list[str] = []
    reported: set[int] = set()
    for h in sorted(heads, key=lambda h: (h.seq, h.source)):
        if h.seq < 1 or h.seq in reported:
            continue
        if h.seq not in stored:
            reported.add(h.seq)
            what = (
                f"the ledger ends at entry {last}: its tail was deleted"
                if h.seq > last
                else "that entry is missing"
            )
            problems.append(f"{h.source} recorded ledger entry {h.seq}, but {what}")
        elif stored[h.seq] != h.hash:
            reported.add(h.seq)
            problems.append(
                f"entry {h.seq} differs from the hash {h.source} recorded for it: the ledger "
                "was rewritten"
            )
    return problems


def _sealed_note(settings: Settings) -> str | None:
    record = checkpoints.seal_record(settings)
    if record is None:
        return None
    upto = record.get("sealed_upto") or 0
    if not upto:
        return f"every entry sealed when appended (seals since {record.get('written_at')})"
    return (
        f"entries 1-{upto} sealed at {record.get('written_at')} (written before seals "
        "existed); every later entry sealed when appended"
    )
