"""Erasure and the network's connections and messages: an erased member's invitations
(both ways, notes included) are deleted, the notifications they caused about them or
their messages go, their messages are blanked; a message someone else sent them stays
its sender's, but no thread with the erased member is shown. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from builders import hand_network, publish_default_policy, settings_for
from consentry.network import connections, messages
from consentry.rights.erasure import erase
from consentry.store.engine import session_scope
from consentry.store.social_tables import ConnectionRequest, Notification
from consentry.store.tables import Message


def test_erasure_removes_requests_notes_and_what_told_of_them(engine, tmp_path):
    settings = settings_for(engine, tmp_path / "data")
    publish_default_policy(engine, settings)
    m = hand_network(engine).members
    alice, bob, carol, rita = (m[h] for h in ("alice", "bob", "carol", "rita"))
    with session_scope(engine) as s:
        connections.invite(s, sender_id=carol, recipient_id=alice, note="Carol's note to Alice")
        connections.invite(s, sender_id=alice, recipient_id=rita, note="Alice's note to Rita")
        messages.send(s, sender_id=alice, recipient_id=bob, text="Alice's words to Bob")
        messages.send(s, sender_id=bob, recipient_id=alice, text="Bob's words to Alice")
        # Carol and Bob connect, so Alice would be someone Carol may know.
        done = connections.invite(s, sender_id=bob, recipient_id=carol)
        connections.accept(s, member_id=carol, request_id=done.request_id)

    erase(engine, settings, alice, source="settings", actor=f"member:{alice}")

    with session_scope(engine) as s:
        requests = s.scalars(select(ConnectionRequest)).all()
        assert [(r.sender_id, r.recipient_id) for r in requests] == [(bob, carol)]
        # Nothing left that tells of Alice: no invitation, no message notification.
        told = s.execute(select(Notification.member_id, Notification.kind)).all()
        assert (rita, "connection_request") not in told and (bob, "message") not in told
        assert not [n for n in s.scalars(select(Notification)) if n.member_id == alice]
        texts = {x.text: x.deleted_at is not None for x in s.scalars(select(Message))}
        assert "Alice's words to Bob" not in texts  # blanked
        assert texts["Bob's words to Alice"] is False  # Bob's own text, kept
        assert connections.pending_received(s, rita) == []
        assert connections.pending_sent(s, carol) == []
        assert [t.other.handle for t in messages.threads(s, bob).items] == ["carol"]
        assert messages.unread_total(s, bob) == 1  # Carol's old message only
        assert connections.people_you_may_know(s, carol) == []
