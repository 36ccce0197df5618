"""Settings: one page for the account (email, region, links to the rest), and the
notifications page with its unread count, as a member uses them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import build, members_of, publish_default_policy, publish_preset
from consentry.consent.decide import decide
from consentry.network.notifications import notify
from consentry.store.engine import session_scope, utcnow
from consentry.store.rights_tables import PropagationJob
from consentry.store.social_tables import Notification, RegionChange
from consentry.store.tables import Member
from web.helpers import csrf_from, log_in, page_csrf
from web.member_helpers import press


@pytest.fixture
def policy(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)


def member_row(engine, member_id: int) -> Member:
    with session_scope(engine) as s:
        row = s.get(Member, member_id)
        s.expunge(row)
        return row


# -- the settings page -----------------------------------------------------------------


def test_settings_is_in_the_header_and_links_to_every_setting(alice, policy):
    feed = alice.get("/feed").text
    assert '<a href="/account">Settings</a>' in feed
    html = alice.get("/account").text
    assert "alice@example.test" in html and "Germany (DE)" in html
    for href in (
        "/account/security",
        "/settings/ai",
        "/notifications",
        "/your-data",
        "/account/export",
        "/account/import",
        "/account/erase",
    ):
        assert f'href="{href}"' in html, href


def test_changing_the_email_needs_the_right_password(alice, app, policy, network, sqlite_engine):
    me = network.members["alice"]
    wrong = press(
        alice, "/account", "/account/email", email="a.new@example.org", current_password="not it"
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    assert member_row(sqlite_engine, me).email == "alice@example.test"
    taken = press(
        alice,
        "/account",
        "/account/email",
        email="BOB@example.test",
        current_password="correct horse battery staple",
    )
    assert taken.status_code == 409 and "already belongs to an account" in taken.text
    bad = press(
        alice,
        "/account",
        "/account/email",
        email="not an address",
        current_password="correct horse battery staple",
    )
    assert bad.status_code == 400 and "not an email address" in bad.text
    done = press(
        alice,
        "/account",
        "/account/email",
        email="A.New@Example.ORG",
        current_password="correct horse battery staple",
    )
    assert done.status_code == 303 and done.headers["location"] == "/account?done=email"
    assert "Your email is now A.New@example.org" in alice.get(done.headers["location"]).text
    assert member_row(sqlite_engine, me).email == "A.New@example.org"
    with TestClient(app) as other:
        assert log_in(other, "alice@example.test").status_code == 401
        assert log_in(other, "a.new@example.org").status_code == 303


def test_the_api_changes_the_email_with_the_same_rules(alice, policy, network, sqlite_engine):
    token = page_csrf(alice)
    headers = {"X-CSRF-Token": token}
    wrong = alice.put(
        "/api/v1/me/email",
        json={"email": "x@example.org", "current_password": "nope"},
        headers=headers,
    )
    assert wrong.status_code == 400
    taken = alice.put(
        "/api/v1/me/email",
        json={"email": "carol@example.test", "current_password": "correct horse battery staple"},
        headers=headers,
    )
    assert taken.status_code == 409
    done = alice.put(
        "/api/v1/me/email",
        json={"email": "alice2@example.org", "current_password": "correct horse battery staple"},
        headers=headers,
    )
    assert done.status_code == 200 and done.json() == {"email": "alice2@example.org"}
    assert member_row(sqlite_engine, network.members["alice"]).email == "alice2@example.org"


# -- region ------------------------------------------------------------------------------


@pytest.fixture
def bob(app, network):
    with TestClient(app) as client:
        assert log_in(client, network.email("bob")).status_code == 303
        yield client


def test_a_move_is_confirmed_first_then_recorded_and_the_decision_follows(
    bob, sqlite_engine, network
):
    """linkedin-2024: content-creation AI is on by default in California and excluded in
    the EU, so a move to Germany turns it off."""
    publish_preset(sqlite_engine, "linkedin-2024")
    me = network.members["bob"]
    with session_scope(sqlite_engine) as s:
        assert decide(s, me, "train-genai").allowed
    preview = press(bob, "/account", "/account/region", region="de")
    assert preview.status_code == 200
    assert "Move to Germany (DE)?" in preview.text
    assert 'id="flip-train-genai"' in preview.text and 'id="flip-train-ai"' in preview.text
    assert "never used for members in Germany" in preview.text
    assert member_row(sqlite_engine, me).region == "US-CA"  # nothing moved yet
    confirm = bob.post(
        "/account/region",
        data={"csrf_token": csrf_from(preview.text), "region": "DE", "confirm": "yes"},
        follow_redirects=False,
    )
    assert confirm.status_code == 303
    page = bob.get(confirm.headers["location"]).text
    assert "You moved from California (US-CA) to Germany (DE)" in page
    assert 'id="flip-train-genai"' in page
    assert member_row(sqlite_engine, me).region == "DE"
    with session_scope(sqlite_engine) as s:
        assert not decide(s, me, "train-genai").allowed
        moves = s.scalars(select(RegionChange).where(RegionChange.member_id == me)).all()
        assert [(m.old_region, m.new_region) for m in moves] == [("US-CA", "DE")]


def test_an_unknown_or_unchanged_region_is_a_form_error(alice, policy, network, sqlite_engine):
    unknown = press(alice, "/account", "/account/region", region="ZZ")
    assert unknown.status_code == 400 and "unknown region code" in unknown.text
    same = press(alice, "/account", "/account/region", region="de")
    assert same.status_code == 400 and "Your region is DE already" in same.text
    with session_scope(sqlite_engine) as s:
        assert s.scalars(select(RegionChange)).all() == []


def test_a_move_queues_a_refresh_of_the_live_datasets_holding_the_member(
    bob, app, sqlite_engine, network
):
    publish_preset(sqlite_engine, "linkedin-2024")
    me = network.members["bob"]
    dataset = build(sqlite_engine, app.state.settings, purpose="train-genai")
    assert me in members_of(sqlite_engine, dataset)
    headers = {"X-CSRF-Token": page_csrf(bob)}
    dry = bob.put("/api/v1/me/region", json={"region": "de", "dry_run": True}, headers=headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["moved"] is False and dry.json()["refresh_job_id"] is None
    # Training is excluded in the EU; the other two need consent there instead of an objection.
    assert {c["purpose"] for c in dry.json()["changes"]} == {
        "train-genai",
        "train-ai",
        "recruiter-ai",
        "share-affiliates",
    }
    assert member_row(sqlite_engine, me).region == "US-CA"
    moved = bob.put("/api/v1/me/region", json={"region": "de"}, headers=headers).json()
    assert moved["moved"] is True and moved["new_region"] == "DE"
    with session_scope(sqlite_engine) as s:
        job = s.get(PropagationJob, moved["refresh_job_id"])
        assert job is not None and job.kind == "refresh" and job.status == "queued"
        assert job.member_id == me
    bad = bob.put("/api/v1/me/region", json={"region": "Atlantis"}, headers=headers)
    assert bad.status_code == 400


# -- notifications -----------------------------------------------------------------------


def _notify(engine, member_id: int, kind: str, actor_id: int, minutes_ago: int, **subject):
    with session_scope(engine) as s:
        return notify(
            s,
            member_id,
            kind,
            actor_id=actor_id,
            at=utcnow() - timedelta(minutes=minutes_ago),
            **subject,
        ).id


def test_notifications_newest_first_with_links_and_an_unread_count(
    alice, policy, network, sqlite_engine
):
    a, b, c = (network.members[h] for h in ("alice", "bob", "carol"))
    _notify(
        sqlite_engine, a, "connection_request", c, 30, subject="connection_request", subject_id=1
    )
    _notify(sqlite_engine, a, "message", b, 5, subject="message", subject_id=7)
    _notify(sqlite_engine, b, "message", a, 1, subject="message", subject_id=8)  # Bob's
    feed = alice.get("/feed").text
    assert 'href="/notifications">Notifications (2 unread)</a>' in feed
    html = alice.get("/notifications").text
    first = html.index("Bob Baker sent you a message")
    second = html.index("Carol Cruz wants to connect with you")
    assert first < second  # newest first
    assert 'href="/messages/bob"' in html and 'href="/connections"' in html
    assert "Alice Archer sent you a message" not in html  # Bob's is not Alice's
    done = press(alice, "/notifications", "/notifications/read")
    assert done.status_code == 303
    assert 'href="/notifications">Notifications</a>' in alice.get("/feed").text
    assert "All read." in alice.get("/notifications").text


def test_the_api_lists_and_marks_only_the_callers_notifications(
    alice, bob, policy, network, sqlite_engine
):
    a, b = network.members["alice"], network.members["bob"]
    mine = _notify(sqlite_engine, a, "message", b, 2, subject="message", subject_id=3)
    theirs = _notify(sqlite_engine, b, "message", a, 1, subject="message", subject_id=4)
    listed = alice.get("/api/v1/me/notifications").json()
    assert listed["unread"] == 1
    assert [(n["id"], n["text"], n["href"]) for n in listed["items"]] == [
        (mine, "Bob Baker sent you a message", "/messages/bob")
    ]
    # Bob names Alice's notification: nothing of hers is marked, nothing is said of it.
    headers = {"X-CSRF-Token": page_csrf(bob)}
    marked = bob.post("/api/v1/me/notifications/read", json={"ids": [mine]}, headers=headers)
    assert marked.status_code == 200 and marked.json() == {"marked": 0, "unread": 1}
    assert alice.get("/api/v1/me/notifications").json()["unread"] == 1
    assert [n["id"] for n in bob.get("/api/v1/me/notifications").json()["items"]] == [theirs]
    headers = {"X-CSRF-Token": page_csrf(alice)}
    all_read = alice.post("/api/v1/me/notifications/read", headers=headers)
    assert all_read.json() == {"marked": 1, "unread": 0}
    with session_scope(sqlite_engine) as s:
        assert s.get(Notification, theirs).read_at is None


def test_an_unseen_policy_notice_is_a_notification_until_it_is_opened(
    alice, bob, policy, network, sqlite_engine
):
    # A new version that turns training on by default in California (Bob), not for Alice
    # in Germany (excluded there, as nothing was used before): only Bob is notified.
    publish_preset(sqlite_engine, "linkedin-2024", at=utcnow(), notice_days=30)
    assert alice.get("/api/v1/me/notifications").json()["unread"] == 0
    listed = bob.get("/api/v1/me/notifications").json()
    assert listed["unread"] == 1
    (notice,) = listed["items"]
    assert notice["kind"] == "policy_notice" and notice["href"] == "/notices"
    assert notice["id"] is None and notice["subject_id"] == 2
    html = bob.get("/notifications").text
    assert "Our AI data policy is changing (version 2)" in html
    assert "Mark all as read" not in html  # a notice is read by opening it
    bob.get("/notices")  # recorded in the ledger as shown
    assert bob.get("/api/v1/me/notifications").json() == {"unread": 0, "items": []}
