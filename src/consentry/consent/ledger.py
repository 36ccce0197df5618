"""The consent ledger: an append-only, hash-chained log of consent events.

Each entry's hash is sha256 over a canonical JSON of its content (including its position
`seq`) and the previous entry's hash, so editing, deleting, inserting or reordering an
entry breaks the chain at that point, and `verify` names the first entry that is wrong.

A chain alone can be rewritten by anyone who can write the table: recompute every hash
after an edit, or add an entry with a correct hash at the tail. So each entry also carries
a seal, `mac` = HMAC-SHA256 of its hash under the ledger key (`consentry.keys`, purpose
`ledger`), which lives outside the database. `append` is the only code that computes
seals, and it needs the key: an engine carries it (`sealed(engine, key)`; the commands'
and the web app's engines do), and an append through an engine without it is refused.
Entries written before seals existed are sealed once by `ledger_seal.seal_existing`.
What the chain and the seals cannot show (a deleted tail) the heads recorded outside the
database show: see `consentry.consent.checkpoints` and `consentry.rights.ledger_audit`.

Appends are serialised: on SQLite the transaction must have begun with BEGIN IMMEDIATE
(use `ledger_session(engine)`), on PostgreSQL `append` takes a transaction-scoped advisory
lock before it reads the head. UNIQUE constraints on `seq` and `prev_hash` make a fork
impossible even if a writer skipped the lock; `with_retry` retries such a writer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time as _time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from consentry.consent import state
from consentry.errors import Conflict
from consentry.store.consent_tables import ACTIONS, SOURCES, ConsentEvent
from consentry.store.engine import immediate, session_scope, utcnow

GENESIS = "0" * 64
#: The execution option under which an engine carries the ledger key to `append`.
_KEY_OPTION = "consentry_ledger_key"
#: Key of the PostgreSQL advisory lock that serialises ledger appends ("consent" in hex).
_PG_LOCK = 0x636F6E73656E74
T = TypeVar("T")


class LedgerError(Conflict):
    """A ledger write that cannot be made (bad action or source, time running backwards)."""


@dataclass(frozen=True)
class ConsentChange:
    """An event to append. `occurred_at` None means "now, as the ledger's clock sees it"."""

    member_id: int
    purpose: str
    action: str
    source: str
    actor: str
    policy_version: int
    notice_version: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One entry of the ledger as stored: position, content, and the chain hashes."""

    seq: int
    member_id: int
    purpose: str
    action: str
    source: str
    policy_version: int
    notice_version: int | None
    occurred_at: datetime
    actor: str
    prev_hash: str
    hash: str
    mac: str | None = None

    @classmethod
    def from_row(cls, row: ConsentEvent) -> LedgerEntry:
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Head:
    """The newest entry's position, hash and time; seq 0 and the genesis hash when empty."""

    seq: int
    hash: str
    occurred_at: datetime | None


def entry_hash(
    *,
    seq: int,
    member_id: int,
    purpose: str,
    action: str,
    source: str,
    policy_version: int,
    notice_version: int | None,
    occurred_at: datetime,
    actor: str,
    prev_hash: str,
) -> str:
    """The hash of one entry: sha256 hex of canonical JSON of its content and prev_hash."""
    content = {
        "seq": seq,
        "member_id": member_id,
        "purpose": purpose,
        "action": action,
        "source": source,
        "policy_version": policy_version,
        "notice_version": notice_version,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor": actor,
        "prev_hash": prev_hash,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def seal(key: bytes, digest: str) -> str:
    """An entry's seal: HMAC-SHA256 hex of its hash under the ledger key. The hash covers
    the entry's content, position and predecessor, so the seal covers them too."""
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def sealed(engine: Engine, key: bytes) -> Engine:
    """`engine`, carrying the ledger key to every `append` made through it."""
    if len(key) < 32:
        raise ValueError("the ledger key must be at least 32 bytes")
    return engine.execution_options(**{_KEY_OPTION: key})


def _append_key(session: Session) -> bytes:
    key = session.connection().get_execution_options().get(_KEY_OPTION)
    if not isinstance(key, bytes):
        raise LedgerError(
            "this database connection cannot append to the ledger: it was opened without "
            "the ledger key (open it with `ledger.sealed(engine, key)`)"
        )
    return key


@contextmanager
def ledger_session(engine: Engine) -> Iterator[Session]:
    """A unit of work that may append to the ledger (BEGIN IMMEDIATE on SQLite); commits at
    the end of the block, rolls back on error."""
    with session_scope(immediate(engine)) as session:
        yield session


def with_retry(engine: Engine, work: Callable[[Session], T], *, attempts: int = 8) -> T:
    """Run `work(session)` in a ledger session, retrying the whole unit when a concurrent
    writer won a race (unique violation on the chain, or a busy SQLite database)."""
    for attempt in range(attempts):
        try:
            with ledger_session(engine) as session:
                return work(session)
        except (IntegrityError, OperationalError) as exc:
            transient = isinstance(exc, IntegrityError) or "locked" in str(exc).lower()
            if not transient or attempt == attempts - 1:
                raise
            _time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")


def head(session: Session) -> Head:
    """The newest entry (seq 0 and the genesis hash for an empty ledger)."""
    row = session.execute(
        select(ConsentEvent.seq, ConsentEvent.hash, ConsentEvent.occurred_at)
        .order_by(ConsentEvent.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return Head(0, GENESIS, None)
    return Head(row.seq, row.hash, row.occurred_at)


def position_at(session: Session, at: datetime) -> int:
    """The ledger position as of time `at`: the last entry that occurred at or before it."""
    top = head(session)
    if top.occurred_at is None:
        return 0
    if top.occurred_at <= at:
        # The common case (a decision now): the clock never runs backwards (`append`), so
        # the head is the answer, read by primary key instead of scanning every entry.
        return top.seq
    seq = session.scalar(select(func.max(ConsentEvent.seq)).where(ConsentEvent.occurred_at <= at))
    return seq or 0


def _lock(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    elif conn.get_execution_options().get("sqlite_begin") != "IMMEDIATE":
        # A deferred SQLite transaction would read the head under a shared lock and fail
        # (or fork) when it tries to write; refuse rather than risk it.
        raise LedgerError(
            "ledger appends on SQLite need a transaction begun with ledger_session(engine)"
        )


def hold_appends(session: Session) -> None:
    """Hold back every ledger append until the caller's transaction ends (a transaction
    begun with `ledger_session`). A dataset publication checks its members against the
    head under this lock, so no withdrawal can land between the check and its commit."""
    _lock(session)


def append(session: Session, changes: Sequence[ConsentChange]) -> list[LedgerEntry]:
    """Append `changes` in order, as one batch, in the caller's transaction.

    Validates every change first (nothing is written if one is bad), keeps the ledger's
    clock monotonic (an explicit `occurred_at` earlier than the head is refused), writes
    the entries with one executemany, and updates the current-state table in step.
    """
    for change in changes:
        if change.action not in ACTIONS:
            raise LedgerError(f"unknown consent action {change.action!r}")
        if change.source not in SOURCES:
            raise LedgerError(
                f"unknown consent source {change.source!r} (one of {', '.join(SOURCES)})"
            )
        if not change.actor or len(change.actor) > 100:
            raise LedgerError("every consent event needs an actor (1-100 characters)")
    if not changes:
        return []
    key = _append_key(session)
    _lock(session)
    top = head(session)
    floor = top.occurred_at
    now = utcnow()
    if floor is not None and now < floor:
        now = floor  # another host's clock ran ahead; never let time run backwards
    entries: list[LedgerEntry] = []
    prev, seq = top.hash, top.seq
    for change in changes:
        at = change.occurred_at if change.occurred_at is not None else now
        if floor is not None and at < floor:
            raise LedgerError(
                f"cannot record an event at {at.isoformat(sep=' ')}: the ledger already "
                f"holds events up to {floor.isoformat(sep=' ')}"
            )
        floor = at
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "member_id": change.member_id,
            "purpose": change.purpose,
            "action": change.action,
            "source": change.source,
            "policy_version": change.policy_version,
            "notice_version": change.notice_version,
            "occurred_at": at,
            "actor": change.actor,
            "prev_hash": prev,
        }
        prev = entry_hash(**fields)
        entries.append(LedgerEntry(**fields, hash=prev, mac=seal(key, prev)))
    session.execute(insert(ConsentEvent), [asdict(e) for e in entries])
    state.apply(session, entries)
    return entries


def history(
    session: Session, *, member_id: int | None = None, upto: int | None = None
) -> list[LedgerEntry]:
    """Entries in ledger order, optionally one member's, optionally up to position `upto`."""
    query = select(ConsentEvent).order_by(ConsentEvent.seq)
    if member_id is not None:
        query = query.where(ConsentEvent.member_id == member_id)
    if upto is not None:
        query = query.where(ConsentEvent.seq <= upto)
    return [LedgerEntry.from_row(r) for r in session.scalars(query)]


def _first_unreadable(session: Session, query: Select, start: int) -> int:
    """The position of the first entry from `start` on whose row cannot be read back."""
    for seq in session.scalars(
        select(ConsentEvent.seq).where(ConsentEvent.seq >= start).order_by(ConsentEvent.seq)
    ):
        try:
            session.execute(query.where(ConsentEvent.seq == seq)).all()
        except (ValueError, TypeError):
            return seq
    return start


@dataclass(frozen=True)
class Verification:
    """The result of recomputing the chain. `bad_seq` is the first wrong entry, if any."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None


def verify(
    session: Session,
    *,
    key: bytes | None = None,
    anchors: Sequence[tuple[int, str]] = (),
    batch: int = 20_000,
) -> Verification:
    """Recompute the whole chain and check it; with `key`, check every entry's seal too.

    Finds an entry that was edited (its hash no longer matches its content), deleted
    (a gap in positions), inserted or reordered (a broken link or a moved position), and
    with the key one that was not written through `append` (no seal, or a seal that does
    not match: a forged entry, or an edited one whose hash was recomputed).
    `anchors` are (seq, hash) pairs recorded elsewhere (a dataset's manifest): they catch
    a truncated tail. Without `key` only the chain is checked, which a writer of the table
    can recompute: `ledger verify` always passes the key.
    """
    wanted = dict(anchors)
    expected_seq, prev, count = 1, GENESIS, 0
    columns = [getattr(ConsentEvent, f) for f in LedgerEntry.__dataclass_fields__]
    query = select(*columns).order_by(ConsentEvent.seq).execution_options(yield_per=batch)

    def bad(seq: int, problem: str) -> Verification:
        return Verification(False, count, expected_seq - 1, prev, seq, problem)

    rows = iter(session.execute(query))
    while True:
        try:
            row = next(rows, None)
        except (ValueError, TypeError):  # SQLite keeps a value of any type in any column
            seq = _first_unreadable(session, query, expected_seq)
            return bad(
                seq,
                f"entry {seq} cannot be read: a value is not of its column's type (it was "
                "edited outside the app)",
            )
        if row is None:
            break
        e = LedgerEntry(*row)
        if e.seq != expected_seq:
            return bad(
                expected_seq,
                f"entry {expected_seq} is missing: the ledger jumps from entry "
                f"{expected_seq - 1} to entry {e.seq} (an entry was deleted)",
            )
        content = {k: v for k, v in asdict(e).items() if k not in ("hash", "mac")}
        if e.prev_hash != prev:
            return bad(
                e.seq,
                f"entry {e.seq} does not follow entry {e.seq - 1}: its link to the previous "
                "hash is broken (an entry was inserted, deleted or reordered)",
            )
        if entry_hash(**content) != e.hash:
            return bad(
                e.seq,
                f"entry {e.seq} does not match its hash: it was edited, or moved from "
                "another position",
            )
        if key is not None and e.mac is None:
            return bad(
                e.seq,
                f"entry {e.seq} carries no seal: it was not written through the ledger's "
                "append path (or predates seals and `consentry ledger seal` was never run)",
            )
        if key is not None and not hmac.compare_digest(seal(key, e.hash), e.mac or ""):
            return bad(
                e.seq,
                f"entry {e.seq}'s seal does not match it: it was written or rewritten "
                "outside the ledger's append path",
            )
        if e.seq in wanted and wanted.pop(e.seq) != e.hash:
            return bad(e.seq, f"entry {e.seq} differs from the anchor recorded for it")
        prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
    if wanted:
        seq = min(wanted)
        return Verification(
            False,
            count,
            count,
            prev,
            seq,
            f"entry {seq} is anchored elsewhere but the ledger ends at entry {count}",
        )
    return Verification(True, count, count, prev)
