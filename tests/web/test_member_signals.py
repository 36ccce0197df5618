"""Sec-GPC on every authenticated request, Content-Usage on content creation, gpc.json."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import publish_default_policy
from consentry.consent.policy import load_policy
from consentry.consent.versions import publish
from consentry.store.engine import session_scope
from consentry.store.tables import UsagePreference
from web.member_helpers import events


@pytest.fixture
def policy(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)


def test_gpc_objects_once_on_pages_and_api_and_only_for_exactly_1(
    alice, policy, network, sqlite_engine
):
    me = network.members["alice"]  # Germany: consent-first maps GPC to every purpose
    for value in ("true", "01", "", "1, 1"):
        alice.get("/feed", headers={"Sec-GPC": value})
    assert events(sqlite_engine, me) == []
    html = alice.get("/settings/ai", headers={"Sec-GPC": "1"}).text
    first = events(sqlite_engine, me)
    assert {e.purpose for e in first} == {
        "train-genai",
        "train-ai",
        "recruiter-ai",
        "share-affiliates",
    }
    assert {(e.action, e.source) for e in first} == {("object", "gpc")}
    assert "Global Privacy Control signal objected" in html  # the same request shows it
    alice.get("/feed", headers={"Sec-GPC": " 1 "})
    alice.get("/api/v1/me", headers={"Sec-GPC": "1"})
    assert len(events(sqlite_engine, me)) == 4  # idempotent


def test_gpc_through_an_api_token_and_not_for_visitors(client, policy, network, sqlite_engine):
    client.get("/login", headers={"Sec-GPC": "1"})
    assert all(events(sqlite_engine, m) == [] for m in network.members.values())
    token = client.post(
        "/api/v1/tokens",
        json={"email": network.email("bob"), "password": "correct horse battery staple"},
    ).json()["access_token"]
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "Sec-GPC": "1"})
    # Bob is in California: consent-first maps GPC to sharing only in the US.
    assert [e.purpose for e in events(sqlite_engine, network.members["bob"])] == [
        "share-affiliates"
    ]


def test_content_usage_header_on_api_posts(alice, policy, sqlite_engine):
    csrf = alice.get("/api/v1/me").json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf, "Content-Usage": "train-ai=n"}
    created = alice.post(
        "/api/v1/posts", json={"text": "hello", "visibility": "public"}, headers=headers
    )
    assert created.status_code == 201 and created.json()["usage_preferences"] == {"train-ai": False}
    assert created.json()["no_ai_training"] is True
    bad = alice.post(
        "/api/v1/posts",
        json={"text": "hello again", "visibility": "public"},
        headers={"X-CSRF-Token": csrf, "Content-Usage": "train-ai=(("},
    )
    assert bad.status_code == 400 and "Content-Usage" in bad.json()["error"]
    with session_scope(sqlite_engine) as s:
        assert s.scalars(select(UsagePreference.allowed)).all() == [False]


def test_gpc_json_is_served_to_anyone(client, app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["gpc"] is True and len(body["lastUpdate"]) == 10


def test_policy_notice_banner_page_and_notice_shown_once(alice, app, network, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)
    with session_scope(sqlite_engine) as s:
        publish(s, load_policy("linkedin-2025"), notice_days=30)
    feed = alice.get("/feed").text
    assert "Our AI data policy changes on" in feed and 'href="/notices"' in feed
    page = alice.get("/notices").text
    assert "What changes for you" in page and "Keep it off" in page
    assert "Now: off." in page and "on by default" in page.lower()
    alice.get("/notices")
    shown = [
        e for e in events(sqlite_engine, network.members["alice"]) if e.action == "notice-shown"
    ]
    assert len(shown) == 1 and shown[0].notice_version == 2
    # Keeping a purpose off before the new version applies is an explicit choice.
    from web.member_helpers import press

    response = press(alice, "/notices", "/settings/ai/train-genai", choice="off", next="/notices")
    assert response.status_code == 303 and response.headers["location"].startswith("/notices")
    latest = events(sqlite_engine, network.members["alice"])[-1]
    assert (latest.purpose, latest.action, latest.notice_version) == ("train-genai", "withdraw", 2)
    api = alice.get("/api/v1/me/notices").json()
    assert api[0]["version"] == 2 and api[0]["shown"] is True


def test_a_notice_shows_only_settings_that_change_and_the_button_that_fits(
    alice, app, network, sqlite_engine
):
    from web.member_helpers import press

    publish_default_policy(sqlite_engine, app.state.settings)
    # Alice (Germany) allows content-creation AI: under linkedin-2025 it stays on.
    press(alice, "/settings/ai", "/settings/ai/train-genai", choice="on", next="/settings/ai")
    with session_scope(sqlite_engine) as s:
        publish(s, load_policy("linkedin-2025"), notice_days=30)
    feed = alice.get("/feed").text
    assert "Ranking and matching AI will work differently for you" in feed
    assert "Content-creation AI will work differently" not in feed
    page = alice.get("/notices").text
    assert 'id="change-train-genai"' not in page  # on now, on then: nothing to say
    section = page[page.index('id="change-train-ai"') :]
    assert "will be used for ranking and matching AI unless you turn it off" in section
    assert "Now: off." in section and ": on.</strong>" in section
    assert '<input type="hidden" name="choice" value="off">' in section
    assert ">Keep it off</button>" in section
    api = alice.get("/api/v1/me/notices").json()
    (change,) = api[0]["changes"]
    assert (change["purpose"], change["action"]) == ("train-ai", "Keep it off")
    assert change["what_changes"].endswith("unless you turn it off.")
