"""Connections: invitations and their answers, the lists a member sees, mutual
connections and people you may know, on SQLite and PostgreSQL.

The request state machine is also run as a Hypothesis stateful test against an oracle
written here (a dict of requests and a set of connected pairs): invite, accept, decline,
withdraw, remove and a connection made by other means (an import), in any order.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, insert, select

from builders import add_named_member, hand_network, make_settings, sealed_store
from consentry.errors import Conflict, ConsentryError, InvalidInput, NotFound
from consentry.network import connections as net
from consentry.store.engine import session_scope, sessions, utcnow
from consentry.store.social_tables import ConnectionRequest, Notification
from consentry.store.tables import Connection, Member


def _do(engine, fn, **kwargs):
    with session_scope(engine) as s:
        return fn(s, **kwargs)


def _handles(cards) -> list[str]:
    return [c.handle for c in cards]


def _connected(engine, member_id: int) -> list[str]:
    with session_scope(engine) as s:
        return [c.member.handle for c in net.connections(s, member_id).items]


@pytest.fixture
def people(engine):
    """The hand network (Alice-Bob connected, Carol a stranger, Dave deleted, Rita a
    recruiter), on each backend."""
    return engine, hand_network(engine).members


def test_invite_accept_connects_both_and_notifies_each_side(people):
    engine, m = people
    done = _do(engine, net.invite, sender_id=m["carol"], recipient_id=m["alice"], note="Hi!")
    assert not done.accepted
    with session_scope(engine) as s:
        [received] = net.pending_received(s, m["alice"])
        assert (received.id, received.other.handle, received.note) == (
            done.request_id,
            "carol",
            "Hi!",
        )
        assert [r.other.handle for r in net.pending_sent(s, m["carol"])] == ["alice"]
        told = s.scalars(select(Notification.kind).where(Notification.member_id == m["alice"]))
        assert list(told) == ["connection_request"]
    _do(engine, net.accept, member_id=m["alice"], request_id=done.request_id)
    assert _connected(engine, m["alice"]) == ["carol", "bob"]  # newest first
    assert _connected(engine, m["carol"]) == ["alice"]
    with session_scope(engine) as s:
        assert net.pending_received(s, m["alice"]) == []
        told = s.scalars(select(Notification.kind).where(Notification.member_id == m["carol"]))
        assert list(told) == ["connection_accepted"]


def test_inviting_someone_who_invited_you_accepts_their_invitation(people):
    engine, m = people
    theirs = _do(engine, net.invite, sender_id=m["carol"], recipient_id=m["bob"])
    mine = _do(engine, net.invite, sender_id=m["bob"], recipient_id=m["carol"])
    assert mine.accepted and mine.request_id == theirs.request_id
    assert "carol" in _connected(engine, m["bob"])
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(ConnectionRequest)) == 1


@pytest.mark.parametrize(
    ("sender", "recipient", "kind", "words"),
    [
        ("alice", "alice", InvalidInput, "yourself"),
        ("alice", "bob", Conflict, "already connected"),
        ("alice", "dave", NotFound, "does not exist"),
    ],
)
def test_invitations_that_make_no_sense_are_refused(people, sender, recipient, kind, words):
    engine, m = people
    with pytest.raises(kind, match=words):
        _do(engine, net.invite, sender_id=m[sender], recipient_id=m[recipient])


def test_a_second_invitation_while_one_is_pending_is_refused(people):
    engine, m = people
    _do(engine, net.invite, sender_id=m["alice"], recipient_id=m["carol"])
    with pytest.raises(Conflict, match="have not answered"):
        _do(engine, net.invite, sender_id=m["alice"], recipient_id=m["carol"])
    with pytest.raises(InvalidInput, match="at most 300"):
        _do(engine, net.invite, sender_id=m["rita"], recipient_id=m["carol"], note="x" * 301)


def test_only_the_right_side_answers_and_everyone_else_gets_not_found(people):
    engine, m = people
    rid = _do(engine, net.invite, sender_id=m["alice"], recipient_id=m["carol"]).request_id
    for who, act in [
        ("alice", net.accept),  # one's own invitation, wrong side
        ("alice", net.decline),
        ("carol", net.withdraw),
        ("bob", net.accept),  # not party to it at all
        ("bob", net.withdraw),
    ]:
        with pytest.raises(NotFound):
            _do(engine, act, member_id=m[who], request_id=rid)
    _do(engine, net.decline, member_id=m["carol"], request_id=rid)
    with pytest.raises(Conflict, match="already declined"):
        _do(engine, net.withdraw, member_id=m["alice"], request_id=rid)
    assert "carol" not in _connected(engine, m["alice"])
    # Declined is final for that request; a new invitation is a new request.
    again = _do(engine, net.invite, sender_id=m["alice"], recipient_id=m["carol"])
    assert again.request_id != rid and not again.accepted


def test_remove_ends_the_connection_for_both(people):
    engine, m = people
    _do(engine, net.remove, member_id=m["bob"], other_id=m["alice"])
    assert _connected(engine, m["alice"]) == [] and _connected(engine, m["bob"]) == []
    with pytest.raises(NotFound, match="not connected"):
        _do(engine, net.remove, member_id=m["alice"], other_id=m["bob"])


def _connect(engine, a: int, b: int) -> None:
    with session_scope(engine) as s:
        s.execute(
            insert(Connection).values(member_id=min(a, b), other_id=max(a, b), created_at=utcnow())
        )


def test_people_you_may_know_ranks_by_mutual_connections(engine):
    """Me - {f1, f2, f3}; x knows all three, y two, z one; w knows only x (3 hops);
    p knows f1 but has a pending invitation from me; g knows f1 and f2 but is deleted."""
    ids = {
        n: add_named_member(engine, n.capitalize(), "Test")
        for n in ["me", "f1", "f2", "f3", "x", "y", "z", "w", "p", "g"]
    }
    for f in ("f1", "f2", "f3"):
        _connect(engine, ids["me"], ids[f])
        _connect(engine, ids["x"], ids[f])
    for a, b in [
        ("y", "f1"),
        ("y", "f2"),
        ("z", "f3"),
        ("w", "x"),
        ("p", "f1"),
        ("g", "f1"),
        ("g", "f2"),
    ]:
        _connect(engine, ids[a], ids[b])
    _do(engine, net.invite, sender_id=ids["me"], recipient_id=ids["p"])
    with session_scope(engine) as s:
        s.get(Member, ids["g"]).deleted_at = utcnow()
    with session_scope(engine) as s:
        found = net.people_you_may_know(s, ids["me"])
        assert [(c.member.handle, c.mutual) for c in found] == [
            ("x.test", 3),
            ("y.test", 2),
            ("z.test", 1),
        ]
        assert len(net.people_you_may_know(s, ids["me"], limit=1)) == 1
        # From x's side: me and y are suggestions; y shares f1, f2 with x.
        assert net.mutual_count(s, ids["me"], ids["x"]) == 3
        assert _handles(net.mutual_connections(s, ids["me"], ids["y"])) == ["f1.test", "f2.test"]


def test_a_deleted_member_leaves_every_list(people):
    engine, m = people
    rid = _do(engine, net.invite, sender_id=m["carol"], recipient_id=m["alice"]).request_id
    with session_scope(engine) as s:
        s.get(Member, m["carol"]).deleted_at = utcnow()
    with session_scope(engine) as s:
        assert net.pending_received(s, m["alice"]) == []
    with pytest.raises(NotFound):
        _do(engine, net.accept, member_id=m["alice"], request_id=rid)


def test_crossing_invitations_leave_one_request_and_a_connection(people):
    """Carol invites Alice while Alice invites Carol, in two transactions at once: the
    second waits for the first (PostgreSQL) or is refused by the database (SQLite);
    never two pending requests for the pair."""
    engine, m = people
    first = sessions(engine)()
    outcome: dict[str, object] = {}

    def crossing() -> None:
        try:
            outcome["done"] = _do(engine, net.invite, sender_id=m["alice"], recipient_id=m["carol"])
        except Exception as exc:  # SQLite: the stale writer is refused
            outcome["error"] = exc

    try:
        net.invite(first, sender_id=m["carol"], recipient_id=m["alice"])
        other = threading.Thread(target=crossing)
        other.start()
        other.join(timeout=1.0)
        if engine.dialect.name == "postgresql":
            assert other.is_alive(), "the crossing invitation did not wait for the first"
        first.commit()
    finally:
        first.close()
    other.join(timeout=30)
    with session_scope(engine) as s:
        pending = s.scalars(
            select(ConnectionRequest).where(ConnectionRequest.status == "pending")
        ).all()
        assert len(pending) <= 1
        if engine.dialect.name == "postgresql":
            done = outcome["done"]
            assert isinstance(done, net.InviteOutcome) and done.accepted
            assert pending == [] and net.relation(s, m["alice"], m["carol"]).connected


# --- the state machine ------------------------------------------------------------------

N = 4


class Requests(RuleBasedStateMachine):
    """Four members; every rule goes through `consentry.network.connections`."""

    def __init__(self, make_db) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="connections-"))
        self.url, self.cleanup = make_db(self.root)
        self.engine = sealed_store(make_settings(self.root / "data", self.url))
        self.ids = [add_named_member(self.engine, f"P{i}", "Person") for i in range(N)]
        # The oracle.
        self.requests: dict[int, tuple[int, int, str]] = {}  # id -> sender, recipient, status
        self.connected: set[frozenset[int]] = set()
        self.seeded: set[frozenset[int]] = set()
        self.accepted: set[frozenset[int]] = set()

    def teardown(self) -> None:
        self.engine.dispose()
        self.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)

    def _pending(self, a: int, b: int) -> int | None:
        return next(
            (
                i
                for i, (s, r, st_) in self.requests.items()
                if (s, r) == (a, b) and st_ == "pending"
            ),
            None,
        )

    def _try(self, fn, **kwargs):
        try:
            return _do(self.engine, fn, **kwargs), None
        except ConsentryError as exc:
            return None, type(exc)

    @rule(a=st.integers(0, N - 1), b=st.integers(0, N - 1), note=st.text(max_size=5))
    def invite(self, a, b, note):
        sa, sb = self.ids[a], self.ids[b]
        done, error = self._try(net.invite, sender_id=sa, recipient_id=sb, note=note)
        pair = frozenset((sa, sb))
        if sa == sb:
            assert error is InvalidInput
        elif pair in self.connected or self._pending(sa, sb) is not None:
            assert error is Conflict
        elif (theirs := self._pending(sb, sa)) is not None:
            assert error is None and done.accepted and done.request_id == theirs
            self.requests[theirs] = (sb, sa, "accepted")
            self.connected.add(pair)
            self.accepted.add(pair)
        else:
            assert error is None and not done.accepted
            self.requests[done.request_id] = (sa, sb, "pending")

    @rule(
        who=st.integers(0, N - 1),
        pick=st.integers(0, 50),
        action=st.sampled_from(["accept", "decline", "withdraw"]),
    )
    def answer(self, who, pick, action):
        if not self.requests:
            return
        rid = sorted(self.requests)[pick % len(self.requests)]
        sender, recipient, status = self.requests[rid]
        member = self.ids[who]
        _, error = self._try(getattr(net, action), member_id=member, request_id=rid)
        side = sender if action == "withdraw" else recipient
        if member != side:
            assert error is NotFound
        elif status != "pending":
            assert error is Conflict
        else:
            assert error is None
            new = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}[action]
            self.requests[rid] = (sender, recipient, new)
            if action == "accept":
                self.connected.add(frozenset((sender, recipient)))
                self.accepted.add(frozenset((sender, recipient)))

    @rule(a=st.integers(0, N - 1), b=st.integers(0, N - 1))
    def remove(self, a, b):
        _, error = self._try(net.remove, member_id=self.ids[a], other_id=self.ids[b])
        pair = frozenset((self.ids[a], self.ids[b]))
        if pair in self.connected:
            assert error is None
            self.connected.discard(pair)
        else:
            assert error is NotFound

    @rule(a=st.integers(0, N - 1), b=st.integers(0, N - 1))
    def seed(self, a, b):
        """A connection made by other means (an import)."""
        pair = frozenset((self.ids[a], self.ids[b]))
        if a != b and pair not in self.connected:
            _connect(self.engine, self.ids[a], self.ids[b])
            self.connected.add(pair)
            self.seeded.add(pair)

    @invariant()
    def the_database_agrees_with_the_oracle(self):
        with session_scope(self.engine) as s:
            pending = s.execute(
                select(ConnectionRequest.sender_id, ConnectionRequest.recipient_id).where(
                    ConnectionRequest.status == "pending"
                )
            ).all()
            pairs = [frozenset(p) for p in pending]
            assert len(pairs) == len(set(pairs)), "two pending requests for one pair"
            rows = {frozenset((c.member_id, c.other_id)) for c in s.scalars(select(Connection))}
            assert rows == self.connected
            assert rows <= self.accepted | self.seeded
            for i, me in enumerate(self.ids):
                mine = {c.member.member_id for c in net.connections(s, me, per_page=100).items}
                assert mine == {o for o in self.ids if frozenset((me, o)) in self.connected}
                want_in = {
                    r
                    for r, (_, rec, st_) in self.requests.items()
                    if rec == me and st_ == "pending"
                }
                want_out = {
                    r
                    for r, (snd, _, st_) in self.requests.items()
                    if snd == me and st_ == "pending"
                }
                assert {r.id for r in net.pending_received(s, me)} == want_in
                assert {r.id for r in net.pending_sent(s, me)} == want_out
                other = self.ids[(i + 1) % N]
                rel = net.relation(s, me, other)
                assert rel.connected == (frozenset((me, other)) in self.connected)
                assert rel.sent_request_id == self._pending(me, other)
                assert rel.received_request_id == self._pending(other, me)


def test_request_state_machine_matches_the_oracle(make_database, request):
    postgres = "postgresql" in request.node.callspec.id
    run_state_machine_as_test(
        lambda: Requests(make_database),
        settings=settings(
            max_examples=5 if postgres else 40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
