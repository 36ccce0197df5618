"""`consentry ledger verify` against someone who can write the database (SQLite and
PostgreSQL): every attack starts by dropping the append-only triggers, and each must make
verification fail naming what is wrong; a clean ledger verifies."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from builders import (
    EPOCH,
    add_members,
    build,
    change,
    grant,
    hand_network,
    publish_default_policy,
    publish_preset,
    record,
)
from consentry.cli import main
from consentry.consent import checkpoints
from consentry.consent.ledger import entry_hash, history, ledger_session, seal
from consentry.consent.ledger_seal import GUARDS, seal_existing
from consentry.errors import Conflict
from consentry.rights.ledger_audit import audit
from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import session_scope


@pytest.fixture
def ledger10(engine, settings):
    """Ten entries by two members, and a signed checkpoint of the head."""
    add_members(engine, [("DE", date(1980, 1, 1)), ("US-CA", date(1975, 6, 1))])
    publish_preset(engine)
    actions = ["grant", "withdraw", "object", "grant", "erase"]
    record(
        engine,
        *(
            change(
                1 + i % 2,
                "*" if actions[i % 5] == "erase" else "train-genai",
                actions[i % 5],
                EPOCH + timedelta(days=i),
            )
            for i in range(10)
        ),
    )
    with session_scope(engine) as session:
        checkpoints.write(session, settings, checkpoints.Reason.INTERVAL)
    return engine


def _drop_guards(engine) -> None:
    with engine.begin() as conn:
        on = "" if conn.dialect.name == "sqlite" else " ON consent_events"
        for name in GUARDS[conn.dialect.name]:
            conn.execute(text(f"DROP TRIGGER {name}{on}"))


def _tamper(engine, *statements: str, **params) -> None:
    _drop_guards(engine)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def _problems(engine, settings) -> list[str]:
    with session_scope(engine) as session:
        return audit(session, settings).problems


def _verify_fails(capsys, *expected: str) -> str:
    """Run `consentry ledger verify`; it must fail, and its message must name each of
    `expected` (in this order, among its lines)."""
    assert main(["ledger", "verify"]) == 2
    message = " ".join(capsys.readouterr().err.split())
    position = 0
    for part in expected:
        found = message.find(part, position)
        assert found >= 0, f"{part!r} not in {message!r}"
        position = found
    return message


def _rehash(engine, seq: int, **changes) -> None:
    """Edit entry `seq` and recompute its hash (but not its seal: no key)."""
    with session_scope(engine) as session:
        e = next(e for e in history(session) if e.seq == seq)
    fields = {k: getattr(e, k) for k in e.__dataclass_fields__ if k not in ("hash", "mac")}
    fields.update(changes)
    new = entry_hash(**fields)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE consent_events SET action = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
            {"a": fields["action"], "p": fields["prev_hash"], "h": new, "s": seq},
        )


def test_a_clean_ledger_verifies(ledger10, settings, capsys):
    assert _problems(ledger10, settings) == []
    assert main(["ledger", "verify"]) == 0
    out = capsys.readouterr().out
    assert "ledger verified: 10 entries, head 10" in out
    assert "1 recorded heads agree (1 checkpoints)" in " ".join(out.split())


def test_a_flipped_decision_is_named(ledger10, capsys):
    _tamper(ledger10, "UPDATE consent_events SET action = 'grant' WHERE seq = 2")
    _verify_fails(capsys, "entry 2 does not match its hash")


def test_an_unreadable_value_is_named_not_a_traceback(ledger10, capsys):
    if ledger10.dialect.name != "sqlite":
        pytest.skip("only SQLite stores a value that is not of its column's type")
    _tamper(ledger10, "UPDATE consent_events SET occurred_at = 'garbage' WHERE seq = 4")
    _verify_fails(capsys, "entry 4 cannot be read")


def test_a_deleted_middle_entry_is_named(ledger10, capsys):
    _tamper(ledger10, "DELETE FROM consent_events WHERE seq = 6")
    _verify_fails(capsys, "entry 6 is missing")


def test_a_deleted_tail_is_named_by_the_checkpoint(ledger10, settings, capsys):
    _tamper(ledger10, "DELETE FROM consent_events WHERE seq >= 9")
    _verify_fails(
        capsys, "recorded ledger entry 10, but the ledger ends at entry 8: its tail was deleted"
    )


def test_reordered_entries_are_named(ledger10, capsys):
    _tamper(
        ledger10,
        "UPDATE consent_events SET seq = 100 WHERE seq = 7",
        "UPDATE consent_events SET seq = 7 WHERE seq = 8",
        "UPDATE consent_events SET seq = 8 WHERE seq = 100",
    )
    _verify_fails(capsys, "entry 7 does not follow entry 6")


@pytest.mark.parametrize("mac", [None, "0" * 64])
def test_a_forged_tail_entry_with_a_correct_chain_hash_is_named(ledger10, capsys, mac):
    with session_scope(ledger10) as session:
        last = history(session)[-1]
    fields = dict(
        seq=11,
        member_id=2,
        purpose="train-genai",
        action="grant",
        source="settings",
        policy_version=1,
        notice_version=None,
        occurred_at=last.occurred_at + timedelta(days=1),
        actor="member:2",
        prev_hash=last.hash,
    )
    _drop_guards(ledger10)
    with ledger10.begin() as conn:
        conn.execute(
            ConsentEvent.__table__.insert().values(**fields, hash=entry_hash(**fields), mac=mac)
        )
    expected = "entry 11 carries no seal" if mac is None else "entry 11's seal does not match"
    _verify_fails(capsys, expected)


def test_an_edit_with_its_hash_recomputed_is_named_by_its_seal(ledger10, capsys):
    _drop_guards(ledger10)
    _rehash(ledger10, 4, action="withdraw")
    _verify_fails(capsys, "entry 4's seal does not match it")


def test_a_whole_chain_rewritten_after_an_edit_is_named(ledger10, capsys):
    _drop_guards(ledger10)
    _rehash(ledger10, 4, action="withdraw")
    for seq in range(5, 11):
        with session_scope(ledger10) as session:
            prev = next(e.hash for e in history(session) if e.seq == seq - 1)
        _rehash(ledger10, seq, prev_hash=prev)
    _verify_fails(
        capsys,
        "entry 4's seal does not match it",
        "entry 10 differs from the hash checkpoint 1",
    )


def test_an_edited_state_table_is_named(ledger10, settings, capsys):
    _tamper(ledger10, "UPDATE consent_state SET action = 'grant' WHERE member_id = 2")
    _verify_fails(
        capsys, "consent_state of member 2, purpose 'train-genai' differs from the ledger"
    )


def test_dropped_triggers_alone_are_named(ledger10, capsys):
    _drop_guards(ledger10)
    _verify_fails(capsys, "the triggers that keep the ledger append-only are missing")


def test_the_database_refuses_an_unsealed_insert_and_a_second_seal(ledger10):
    with session_scope(ledger10) as session:
        last = history(session)[-1]
    fields = dict(
        seq=11, member_id=1, purpose="train-ai", action="grant", source="api", policy_version=1,
        notice_version=None, occurred_at=last.occurred_at, actor="x", prev_hash=last.hash,
    )  # fmt: skip
    row = ConsentEvent.__table__.insert().values(**fields, hash=entry_hash(**fields))
    for statement in (row, text("UPDATE consent_events SET mac = :m WHERE seq = 3")):
        with pytest.raises(DatabaseError), ledger10.begin() as conn:
            conn.execute(statement, {"m": "0" * 64})


def test_a_forged_checkpoint_is_named(ledger10, settings, capsys):
    path = checkpoints.path(settings)
    line = json.loads(path.read_text().splitlines()[0])
    line["seq"] = 8
    path.write_text(json.dumps(line) + "\n")
    _verify_fails(capsys, "checkpoint 1 in", "is not genuine")


def test_a_dataset_manifest_names_a_deleted_tail_without_checkpoints(engine, settings, capsys):
    net = hand_network(engine)
    publish_default_policy(engine, settings)
    grant(engine, list(net.members.values()), "train-ai")
    dataset = build(engine, settings, "train-ai")
    assert any(c["reason"] == "build" for c in checkpoints.read(settings) if c)
    checkpoints.path(settings).unlink()  # only the dataset is left to tell
    _tamper(engine, "DELETE FROM consent_events WHERE seq = (SELECT MAX(seq) FROM consent_events)")
    _verify_fails(capsys, f"dataset {dataset} (its database row) recorded ledger entry")
    assert f"dataset {dataset} (its manifest.json)" not in _problems(engine, settings)[0]


def test_entries_from_before_seals_are_sealed_once(ledger10, settings, capsys):
    # Entries written before migration 0010 have no seal.
    _tamper(ledger10, "UPDATE consent_events SET mac = NULL")
    assert "entry 1 carries no seal" in _problems(ledger10, settings)[0]
    with ledger_session(ledger10) as session:
        done = seal_existing(session, settings)
    assert done is not None and (done.sealed, done.upto) == (10, 10)
    problems = _problems(ledger10, settings)
    assert not [p for p in problems if "no seal" in p or "seal does not" in p], problems
    with session_scope(ledger10) as session:
        assert audit(session, settings).sealed.startswith("entries 1-10 sealed at")
    # Later, an entry that did not come through the append path is never laundered.
    with session_scope(ledger10) as session:
        last = history(session)[-1]
    fields = dict(
        seq=11, member_id=1, purpose="train-ai", action="grant", source="api", policy_version=1,
        notice_version=None, occurred_at=last.occurred_at, actor="x", prev_hash=last.hash,
    )  # fmt: skip
    with ledger10.begin() as conn:
        conn.execute(ConsentEvent.__table__.insert().values(**fields, hash=entry_hash(**fields)))
    with pytest.raises(Conflict, match="refusing to seal them"), ledger_session(ledger10) as s:
        seal_existing(s, settings)
    _verify_fails(capsys, "entry 11 carries no seal")


def test_seals_are_hmacs_of_the_hash_under_the_ledger_key(ledger10, settings):
    from consentry.consent.ledger_seal import ledger_key

    key = ledger_key(settings)
    with session_scope(ledger10) as session:
        assert all(e.mac == seal(key, e.hash) for e in history(session))


def test_init_seals_the_entries_of_a_ledger_from_before_seals(engine, settings, capsys):
    from alembic import command

    from consentry.store.migrate import _config

    add_members(engine, [("DE", date(1980, 1, 1))])
    publish_preset(engine)
    record(engine, *(change(1, "train-ai", a, EPOCH + timedelta(days=i))
                     for i, a in enumerate(["grant", "withdraw", "grant"])))  # fmt: skip
    with session_scope(engine) as session:
        before = [(e.seq, e.hash) for e in history(session)]
    command.downgrade(_config(engine), "0009")  # the schema before seals: no mac column
    assert main(["init"]) == 0
    assert (
        "sealed ledger entries 1-3, written before entries were sealed" in capsys.readouterr().out
    )
    with session_scope(engine) as session:
        assert [(e.seq, e.hash) for e in history(session)] == before
    assert main(["ledger", "verify"]) == 0
    assert "entries 1-3 sealed at" in capsys.readouterr().out
    assert main(["init"]) == 0 and "sealed" not in capsys.readouterr().out  # once only
    assert main(["ledger", "seal"]) == 0
    assert "already sealed" in capsys.readouterr().out


def test_a_state_row_edited_to_another_type_is_named_not_a_crash(ledger10, capsys, request):
    if "postgresql" in request.node.callspec.id:
        pytest.skip("PostgreSQL refuses text in an integer column: the edit cannot happen")
    _tamper(ledger10, "UPDATE consent_state SET member_id = 'abc' WHERE member_id = 2")
    _verify_fails(capsys, "consent_state of member abc")
