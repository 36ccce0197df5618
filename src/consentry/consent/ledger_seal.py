"""Sealing the entries written before seals existed, once, and checking the guards.

Migration 0010 added the `mac` column; the entries already in the ledger had none, and
the migration cannot compute seals (it has no key). `seal_existing` computes them, once:

- only after the chain verifies (a broken chain is never sealed over);
- only for the entries before the first sealed one: an unsealed entry *after* a sealed
  one did not come through the append path, and sealing it would launder a forgery;
- only if no earlier sealing was recorded: it writes a signed checkpoint with `reason`
  "seal" and `sealed_upto`, outside the database, and refuses to run again.

So entries 1..sealed_upto are covered by seals from the time of that checkpoint (their
content before then rests on the hash chain and whatever heads were recorded), and every
entry after them from the moment it was appended. `consentry init` runs this right after
migrating, with the installation's settings; `consentry ledger seal` runs it by hand.

`missing_guards` names the append-only triggers that are not in the database: their
absence is not a forgery by itself, but it is how every forgery starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import checkpoints, ledger
from consentry.errors import Conflict
from consentry.keys import KeyPurpose, Keyring
from consentry.store.consent_tables import ConsentEvent

#: The triggers of migration 0010 (and 0002), by dialect.
GUARDS = {
    "sqlite": (
        "consent_events_no_update",
        "consent_events_seal_once",
        "consent_events_no_delete",
        "consent_events_sealed_insert",
    ),
    "postgresql": (
        "consent_events_no_change",
        "consent_events_no_truncate",
        "consent_events_sealed_insert",
    ),
}


@dataclass(frozen=True)
class Sealing:
    """What a sealing did: how many entries it sealed, up to which position."""

    sealed: int
    upto: int


def ledger_key(settings: Settings) -> bytes:
    """The installation's ledger key (fixed: never rotated, see `consentry.keys`)."""
    return Keyring.load(settings).key(KeyPurpose.LEDGER).secret


def seal_existing(session: Session, settings: Settings) -> Sealing | None:
    """Seal the entries written before seals existed; record it in a signed checkpoint.

    Call it in a `ledger_session` (appends wait until it commits). Returns None when an
    earlier sealing was recorded and nothing is left unsealed; raises `Conflict` when
    something cannot be sealed honestly.
    """
    ledger.hold_appends(session)
    unsealed = select(func.min(ConsentEvent.seq), func.max(ConsentEvent.seq), func.count())
    low, high, count = session.execute(unsealed.where(ConsentEvent.mac.is_(None))).one()
    first_sealed = session.scalar(
        select(func.min(ConsentEvent.seq)).where(ConsentEvent.mac.is_not(None))
    )
    earlier = checkpoints.seal_record(settings)
    # A sealing whose checkpoint was written but whose transaction did not commit is
    # finished, not refused: the same entries, up to the same head.
    resume = earlier is not None and count and high <= int(earlier.get("sealed_upto") or 0)
    if resume and earlier is not None:
        at = session.scalar(
            select(ConsentEvent.hash).where(ConsentEvent.seq == earlier.get("sealed_upto"))
        )
        resume = at == earlier.get("hash")
    if earlier is not None and not resume:
        if count:
            raise Conflict(
                f"entries {low}-{high} carry no seal, but the ledger was already sealed at "
                f"{earlier.get('written_at')} (up to entry {earlier.get('sealed_upto')}): "
                "they were not written through the append path; refusing to seal them"
            )
        return None
    if count and first_sealed is not None and high > first_sealed:
        raise Conflict(
            f"entries up to {high} carry no seal, but entry {first_sealed} is sealed: "
            "unsealed entries after a sealed one were not written through the append path; "
            "refusing to seal them"
        )
    chain = ledger.verify(session)
    if not chain.ok:
        raise Conflict(f"the ledger does not verify, so it cannot be sealed: {chain.problem}")
    key = ledger_key(settings)
    rows = session.execute(
        select(ConsentEvent.seq, ConsentEvent.hash)
        .where(ConsentEvent.mac.is_(None))
        .order_by(ConsentEvent.seq)
    ).all()
    if rows:
        stmt = (
            update(ConsentEvent)
            .where(ConsentEvent.seq == bindparam("s"))
            .values(mac=bindparam("m"))
            .execution_options(synchronize_session=False)
        )
        session.connection().execute(
            stmt, [{"s": r.seq, "m": ledger.seal(key, r.hash)} for r in rows]
        )
    upto = high if count else 0
    if earlier is None:
        checkpoints.write(session, settings, checkpoints.Reason.SEAL, sealed_upto=upto)
    return Sealing(len(rows), upto)


def missing_guards(session: Session) -> list[str]:
    """The append-only triggers of `consent_events` that are not in the database."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'consent_events'"
        )
    else:
        query = (
            "SELECT tgname FROM pg_trigger "
            "WHERE tgrelid = 'consent_events'::regclass AND NOT tgisinternal"
        )
    present = set(conn.execute(text(query)).scalars())
    return [name for name in GUARDS.get(dialect, ()) if name not in present]
