"""Messages between connections: who may send, threads with their last message, unread
counts and read state, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import hand_network
from consentry.errors import Forbidden, InvalidInput, NotFound
from consentry.network import connections, messages
from consentry.network.notifications import unread_count
from consentry.store.engine import session_scope, utcnow
from consentry.store.social_tables import Notification
from consentry.store.tables import Member


@pytest.fixture
def people(engine):
    """Alice and Bob are connected; Carol is not (she once wrote to Bob: the hand
    network's 'Carol secret message'); Dave is deleted."""
    return engine, hand_network(engine).members


def _send(engine, a: int, b: int, text: str):
    with session_scope(engine) as s:
        return messages.send(s, sender_id=a, recipient_id=b, text=text)


def _unread(engine, member_id: int) -> int:
    with session_scope(engine) as s:
        return messages.unread_total(s, member_id)


def test_a_message_reaches_its_recipient_unread_until_the_thread_is_opened(people):
    engine, m = people
    _send(engine, m["alice"], m["bob"], "  Lunch on Friday?  ")
    _send(engine, m["alice"], m["bob"], "Or Monday.")
    assert _unread(engine, m["bob"]) == 3  # two from Alice, Carol's old one
    assert _unread(engine, m["alice"]) == 0
    with session_scope(engine) as s:
        kinds = s.scalars(select(Notification.kind).where(Notification.member_id == m["bob"])).all()
        assert kinds == ["message", "message"]
        [alice, carol] = messages.threads(s, m["bob"]).items
        assert (alice.other.handle, alice.last_text, alice.unread) == ("alice", "Or Monday.", 2)
        assert not alice.last_from_me
        assert (carol.other.handle, carol.unread) == ("carol", 1)
    with session_scope(engine) as s:
        thread = messages.open_thread(s, member_id=m["bob"], other_id=m["alice"])
        assert [x.text for x in thread.messages] == ["Lunch on Friday?", "Or Monday."]
        assert thread.can_send and not any(x.from_me for x in thread.messages)
    assert _unread(engine, m["bob"]) == 1  # Carol's is still unread
    with session_scope(engine) as s:
        assert unread_count(s, m["bob"]) == 0  # the message notifications went with them
        # Alice sees hers were read.
        seen = messages.open_thread(s, member_id=m["alice"], other_id=m["bob"]).messages
        assert all(x.from_me and x.read_at is not None for x in seen)
        assert messages.threads(s, m["alice"]).items[0].last_from_me


def test_only_connections_can_message(people):
    engine, m = people
    with pytest.raises(Forbidden, match="only your connections"):
        _send(engine, m["carol"], m["alice"], "hello")
    with pytest.raises(NotFound):
        _send(engine, m["alice"], m["dave"], "hello")
    with pytest.raises(InvalidInput, match="yourself"):
        _send(engine, m["alice"], m["alice"], "hello")
    with pytest.raises(InvalidInput, match="Write a message"):
        _send(engine, m["alice"], m["bob"], "   ")
    with pytest.raises(InvalidInput, match="at most 2000"):
        _send(engine, m["alice"], m["bob"], "x" * 2001)
    _send(engine, m["alice"], m["bob"], "x" * 2000)


def test_a_removed_connection_keeps_the_thread_readable_but_closed(people):
    engine, m = people
    _send(engine, m["alice"], m["bob"], "Before we parted")
    with session_scope(engine) as s:
        connections.remove(s, member_id=m["bob"], other_id=m["alice"])
    with pytest.raises(Forbidden):
        _send(engine, m["bob"], m["alice"], "After")
    with session_scope(engine) as s:
        thread = messages.open_thread(s, member_id=m["bob"], other_id=m["alice"])
        assert [x.text for x in thread.messages] == ["Before we parted"]
        assert not thread.can_send


def test_threads_page_and_a_deleted_member_drops_out(people):
    engine, m = people
    _send(engine, m["alice"], m["bob"], "one")
    with session_scope(engine) as s:
        assert [t.other.handle for t in messages.threads(s, m["bob"]).items] == ["alice", "carol"]
        first = messages.threads(s, m["bob"], per_page=1)
        assert first.has_next and [t.other.handle for t in first.items] == ["alice"]
        s.get(Member, m["carol"]).deleted_at = utcnow()
    with session_scope(engine) as s:
        assert [t.other.handle for t in messages.threads(s, m["bob"]).items] == ["alice"]
        assert messages.unread_total(s, m["bob"]) == 1
        with pytest.raises(NotFound):
            messages.open_thread(s, member_id=m["bob"], other_id=m["carol"])


def test_a_long_thread_pages_from_the_newest(people):
    engine, m = people
    for i in range(7):
        _send(engine, m["alice"], m["bob"], f"m{i}")
    with session_scope(engine) as s:
        newest = messages.open_thread(s, member_id=m["bob"], other_id=m["alice"], per_page=3)
        older = messages.open_thread(s, member_id=m["bob"], other_id=m["alice"], page=2, per_page=3)
    assert [x.text for x in newest.messages] == ["m4", "m5", "m6"] and newest.has_older
    assert [x.text for x in older.messages] == ["m1", "m2", "m3"] and older.has_older
