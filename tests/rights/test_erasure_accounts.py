"""Erasure and the account tables: an erased member's notifications are gone, and other
members' notifications no longer say who they were about."""

from __future__ import annotations

from sqlalchemy import select

from builders import hand_network, publish_default_policy, settings_for
from consentry.network.notifications import notify
from consentry.rights.erasure import erase
from consentry.rights.inbox import inbox
from consentry.store.engine import session_scope
from consentry.store.social_tables import Notification


def test_an_erased_members_notifications_leave_and_others_no_longer_name_them(engine, tmp_path):
    settings = settings_for(engine, tmp_path / "data")
    publish_default_policy(engine, settings)
    net = hand_network(engine)
    alice, bob = net.members["alice"], net.members["bob"]
    with session_scope(engine) as s:
        notify(s, alice, "message", actor_id=bob, subject="message", subject_id=1)
        notify(s, alice, "connection_request", actor_id=bob)
        told = notify(s, bob, "reaction", actor_id=alice, subject="post", subject_id=2).id
    erase(engine, settings, alice, source="settings", actor=f"member:{alice}")
    with session_scope(engine) as s:
        assert s.scalars(select(Notification).where(Notification.member_id == alice)).all() == []
        assert s.get(Notification, told).actor_id is None
        (entry,) = inbox(s, bob)
        assert entry.actor_name is None and entry.actor_handle is None
