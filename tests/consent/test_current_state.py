"""The current-state table stays what the ledger implies, and batch decisions read from it
agree with the GROUP BY over the ledger and with single decisions (SQLite and PostgreSQL).

A Hypothesis state machine appends random batches (grants, withdrawals, objections,
erasures, shown notices, including odd pairs such as an erasure recorded under one
purpose) under two policy versions, one of which widened a purpose; after every step the
table must equal an oracle computed in Python from the ledger's rows, and on demand the
three ways of deciding must agree, at the head and at an earlier position.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import insert, select, text

from builders import EPOCH, add_members, change, record
from consentry.consent import state
from consentry.consent.decide import decide
from consentry.consent.decide_arrow import SCHEMA, decide_all_arrow, packing
from consentry.consent.decide_batch import batch_inputs, decide_all
from consentry.consent.ledger import head, history, ledger_session
from consentry.consent.policy import load_policy, policy_from_toml
from consentry.consent.versions import publish
from consentry.rights.ledger_audit import audit
from consentry.store.engine import session_scope
from consentry.store.tables import Member

MEMBERS = [
    ("DE", date(1980, 1, 1)),
    ("US-CA", date(1975, 6, 1)),
    ("GB", date(2012, 3, 3)),  # under age
    ("HK", date(1990, 2, 2)),
    ("FR", date(1985, 5, 5)),
]
PURPOSES = ["train-genai", "train-ai", "share-affiliates"]
ACTIONS = ["grant", "grant", "withdraw", "object", "erase", "notice-shown"]
WIDENED_AT = EPOCH + timedelta(days=1)
START = EPOCH + timedelta(days=2)


def _publish_two_versions(engine) -> None:
    """consent-first, then a version that widens a purpose (grants under v1 need renewal)."""
    with ledger_session(engine) as session:
        base = load_policy("consent-first")
        publish(session, base, notice_days=0, at=EPOCH)
        wider = base.source.replace(
            'data_classes = ["profile"]', 'data_classes = ["profile", "post"]'
        ).replace('"post", "article", "comment"]', '"post", "article", "comment", "job"]')
        publish(session, policy_from_toml(wider), notice_days=0, at=WIDENED_AT)


def _oracle(session) -> dict[tuple[int, str], tuple[str, int, int]]:
    """(member, purpose) -> (action, seq, policy version) of the latest choice: the
    table's definition, computed from the ledger's rows in plain Python."""
    latest: dict[tuple[int, str], tuple[str, int, int]] = {}
    for e in history(session):
        if e.action != "notice-shown":
            latest[(e.member_id, e.purpose)] = (e.action, e.seq, e.policy_version)
    return latest


def _table(session) -> dict[tuple[int, str], tuple[str, int, int]]:
    return {(r[0], r[1]): (r[2], r[5], r[4]) for r in state.snapshot(session)}


def _agree(
    session, ids: list[int], purpose: str, seq: int, at: datetime, *, single: bool = True
) -> None:
    """decide_all via the table == via the GROUP BY (== decide, member by member, and the
    Arrow fetch, when `single`)."""
    via_state = session.execute(
        decide_all(session, purpose, as_of_seq=seq, at=at, use_state=True)
    ).all()
    via_ledger = session.execute(
        decide_all(session, purpose, as_of_seq=seq, at=at, use_state=False)
    ).all()
    assert via_state == via_ledger, f"as of entry {seq}"
    if not single:
        return
    chosen = session.execute(decide_all(session, purpose, as_of_seq=seq, at=at)).all()
    assert chosen == via_state
    single = [decide(session, m, purpose, as_of_seq=seq, at=at) for m in ids]
    assert [(r.member_id, r.allowed, r.basis, r.reason_code) for r in via_state] == [
        (d.member_id, d.allowed, d.basis.value, d.code.value) for d in single
    ]
    arrow = decide_all_arrow(session, purpose, as_of_seq=seq, at=at)
    assert arrow.schema == SCHEMA
    assert [tuple(r.values()) for r in arrow.to_pylist()] == [tuple(r) for r in via_state]


class LedgerMachine(RuleBasedStateMachine):
    """Random appends to one database; the engine is set by the test that runs it."""

    engine = None

    @initialize()
    def start(self) -> None:
        with session_scope(self.engine) as session:
            top = head(session)
            self.ids = sorted(session.scalars(select(Member.id)))
        # Examples follow one another on the same database: carry on from its head.
        self.clock = max(START, top.occurred_at or START)

    @rule(
        batch=st.lists(
            st.tuples(
                st.integers(0, len(MEMBERS) - 1),
                st.sampled_from(ACTIONS),
                st.sampled_from(PURPOSES),
                st.booleans(),  # an action under an unusual purpose (erase under one)
                st.integers(1, 2),
                st.integers(0, 30),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def append(self, batch) -> None:
        changes = []
        for idx, action, purpose, odd, version, days in batch:
            self.clock += timedelta(days=days)
            usual_all = action in ("erase", "notice-shown")
            target = "*" if usual_all != odd else purpose
            changes.append(change(self.ids[idx], target, action, self.clock, version=version))
        record(self.engine, *changes)

    @invariant()
    def table_is_the_ledgers(self) -> None:
        with session_scope(self.engine) as session:
            assert _table(session) == _oracle(session)

    @rule(purpose=st.sampled_from(PURPOSES), back=st.integers(0, 6))
    def decisions_agree(self, purpose: str, back: int) -> None:
        with session_scope(self.engine) as session:
            top = head(session)
            at = self.clock + timedelta(days=1)
            _agree(session, self.ids, purpose, top.seq, at)
            if top.seq > back:
                # An earlier position: rows newer than it are stale and come from the ledger.
                _agree(session, self.ids, purpose, top.seq - back, at)
            for seq in range(max(0, top.seq - 12), top.seq):
                _agree(session, self.ids, purpose, seq, at, single=False)


def test_state_table_and_batch_decisions_follow_the_ledger(engine):
    add_members(engine, MEMBERS, created_at=EPOCH)
    _publish_two_versions(engine)
    LedgerMachine.engine = engine
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_with_no_members_the_arrow_fetch_is_empty(engine):
    _publish_two_versions(engine)
    with session_scope(engine) as session:
        table = decide_all_arrow(session, "train-ai", as_of_seq=0, at=START)
    assert table.num_rows == 0 and table.schema == SCHEMA


def test_the_choices_of_a_member_created_after_the_time_decided_at_are_left_out(engine):
    """A member who joins after `at` is not decided on, even with choices in the ledger
    before it (an import): the Arrow fetch, which matches choices to members by id
    outside the database, drops them as the join does."""
    early = add_members(engine, MEMBERS[:2], created_at=EPOCH)
    late = add_members(engine, MEMBERS[3:4], created_at=START + timedelta(days=5))
    _publish_two_versions(engine)
    record(
        engine,
        change(early[0], "train-genai", "grant", START, version=2),
        change(late[0], "train-genai", "grant", START, version=2),
        change(late[0], "*", "erase", START + timedelta(hours=1)),
    )
    at = START + timedelta(days=1)
    with session_scope(engine) as session:
        seq = head(session).seq
        table = decide_all_arrow(session, "train-genai", as_of_seq=seq, at=at)
        assert table.column("member_id").to_pylist() == early
        assert table.column("reason_code").to_pylist() == ["granted", "not-allowed"]
        _agree(session, early, "train-genai", seq, at)


def test_members_with_ids_far_apart_are_decided_alike(engine):
    """Ids spread far wider than their count (the Arrow fetch then sorts and searches
    instead of placing each member by id) give the same decisions."""
    ids = add_members(engine, MEMBERS[:2], created_at=EPOCH)
    with session_scope(engine) as session:
        far = session.get(Member, ids[1])
        assert far is not None
        far.id = 10_000_000
    ids = [ids[0], 10_000_000]
    _publish_two_versions(engine)
    record(
        engine,
        change(ids[1], "train-genai", "grant", START, version=2),
        change(ids[0], "train-genai", "withdraw", START),
    )
    at = START + timedelta(days=1)
    with session_scope(engine) as session:
        seq = head(session).seq
        table = decide_all_arrow(session, "train-genai", as_of_seq=seq, at=at)
        assert table.column("member_id").to_pylist() == ids
        assert table.column("reason_code").to_pylist() == ["withdrawn", "granted"]
        _agree(session, ids, "train-genai", seq, at)


def test_a_missing_or_edited_state_row_is_named_by_the_ledger_audit(engine, settings):
    ids = add_members(engine, MEMBERS[:2], created_at=EPOCH)
    _publish_two_versions(engine)
    record(
        engine,
        change(ids[0], "train-genai", "grant", START, version=2),
        change(ids[1], "train-genai", "grant", START, version=2),
        change(ids[1], "*", "erase", START + timedelta(days=1)),
    )
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM consent_state WHERE member_id = :m AND purpose = '*'"),
            {"m": ids[1]},
        )
        conn.execute(
            text("UPDATE consent_state SET action = 'withdraw' WHERE member_id = :m"),
            {"m": ids[0]},
        )
    with session_scope(engine) as session:
        problems = audit(session, settings).problems
    assert any(f"consent_state of member {ids[1]}, purpose '*' is missing" in p for p in problems)
    assert any(
        f"consent_state of member {ids[0]}, purpose 'train-genai' differs" in p for p in problems
    )
    # The table is derived data: rebuilding it from the ledger puts it right.
    with session_scope(engine) as session:
        state.rebuild(session)
    with session_scope(engine) as session:
        assert audit(session, settings).problems == []
        _agree(session, ids, "train-genai", head(session).seq, START + timedelta(days=2))


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _explain(session, query) -> list[dict]:
    conn = session.connection()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params)
    (document,) = cursor.fetchone()
    plan = document if isinstance(document, list) else json.loads(document)
    return list(_plan_nodes(plan[0]["Plan"]))


def test_at_the_head_postgresql_never_reads_the_ledger_per_member(engine):
    """Neither `decide_all` nor the Arrow fetch reads the ledger at the head or loops per
    member; both read the members from the index migration 0017 creates."""
    if engine.dialect.name != "postgresql":
        return  # the plan checked is PostgreSQL's
    count = 3000
    rows = [
        {
            "id": i,
            "handle": f"m{i}",
            "first_name": "A",
            "last_name": "B",
            "display_name": "A B",
            "email": f"m{i}@x.test",
            "password_hash": "-",
            "region": ["DE", "FR", "US-CA", "HK"][i % 4],
            "birth_date": date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
            "role": "member",
            "premium": False,
            "created_at": EPOCH,
            "updated_at": EPOCH,
        }
        for i in range(1, count + 1)
    ]
    with session_scope(engine) as session:
        session.execute(insert(Member), rows)
    _publish_two_versions(engine)
    actions = ["grant", "withdraw", "object"]
    record(
        engine,
        *(
            change(m, "train-genai", actions[m % 3], START + timedelta(minutes=m), version=2)
            for m in range(1, count + 1, 2)
        ),
        *(change(m, "*", "erase", START + timedelta(days=3)) for m in range(5, count, 97)),
    )
    # As autovacuum leaves a table: its visibility map set, so an index-only scan reads
    # no member rows.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    at = START + timedelta(days=10)
    with session_scope(engine) as session:
        top = head(session).seq
        current = _explain(session, decide_all(session, "train-genai", as_of_seq=top, at=at))
        packed = _explain(
            session, packing(batch_inputs(session, "train-genai", as_of_seq=top, at=at))
        )
        grouped = _explain(
            session, decide_all(session, "train-genai", as_of_seq=top, at=at, use_state=False)
        )
    for plan in (current, packed):
        ledger_reads = [
            n for n in plan if n.get("Relation Name") == "consent_events" and n["Actual Loops"]
        ]
        assert ledger_reads == []  # the stale-row lookups exist in the plan but never run
        state_reads = [n for n in plan if n.get("Relation Name") == "consent_state"]
        assert state_reads and all(n["Actual Loops"] == 1 for n in state_reads)
        # One pass over the members, a class of regions at a time, from the migrations' index.
        members = [n for n in plan if n.get("Relation Name") == "members"]
        assert members and all(n["Actual Loops"] == 1 for n in members)
        assert sum(n["Actual Rows"] for n in members) == count
        assert {(n["Node Type"], n["Index Name"]) for n in members} == {
            ("Index Only Scan", "ix_members_decisions")
        }
        assert not any(n["Node Type"] == "Nested Loop" for n in plan)
    assert any(n["Node Type"] in ("Hash Join", "Merge Join") for n in current)
    # The Arrow fetch joins nothing in the database: three scans, matched by id in numpy.
    assert not any("Join" in n["Node Type"] for n in packed)
    # The GROUP BY path does read the whole ledger: the check above can fail.
    assert any(n.get("Relation Name") == "consent_events" and n["Actual Loops"] for n in grouped)
