"""Settings → Data for AI: honest defaults, one click either way, withdrawal that reaches
the dataset, and the per-post "No AI training" control."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import build, publish_default_policy
from consentry.consent.decide import decide
from consentry.consent.policy import load_policy
from consentry.consent.versions import publish
from consentry.datasets.catalog import datasets_holding
from consentry.rights.worker import run_worker
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import UsagePreference
from web.member_helpers import events, press, state_of


@pytest.fixture
def policy(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)


def test_each_purpose_shows_policy_text_basis_reason_and_state(alice, policy):
    html = alice.get("/settings/ai").text
    for purpose in ("train-genai", "train-ai", "recruiter-ai", "share-affiliates"):
        assert f'id="purpose-{purpose}"' in html
        assert state_of(html, purpose) == "Off"  # consent-first: off until you say yes
    assert "Off until you say yes (consent)" in html
    assert "You have not allowed this" in html
    assert html.count('name="choice" value="on"') == 4
    assert 'value="off"' not in html


def test_turning_on_and_off_takes_one_click_each_and_is_in_the_ledger(
    alice, policy, network, sqlite_engine
):
    me = network.members["alice"]
    on = press(alice, "/settings/ai", "/settings/ai/train-ai", choice="on")
    assert on.status_code == 303 and on.headers["location"] == "/settings/ai?changed=train-ai"
    html = alice.get(on.headers["location"]).text
    assert state_of(html, "train-ai") == "On"
    assert "You allowed this on" in html and "is now <strong>on</strong>" in html
    off = press(alice, "/settings/ai", "/settings/ai/train-ai", choice="off")
    assert off.status_code == 303
    assert state_of(alice.get("/settings/ai").text, "train-ai") == "Off"
    ledger = events(sqlite_engine, me)
    assert [(e.purpose, e.action, e.source) for e in ledger] == [
        ("train-ai", "grant", "settings"),
        ("train-ai", "withdraw", "settings"),
    ]
    assert all(e.actor == f"member:{me}" for e in ledger)


def test_withdrawal_is_queued_by_the_request_and_the_worker_issues_a_receipt(
    alice, app, policy, network, sqlite_engine
):
    me = network.members["alice"]
    press(alice, "/settings/ai", "/settings/ai/train-ai", choice="on")
    dataset = build(sqlite_engine, app.state.settings)
    with session_scope(sqlite_engine) as s:
        assert dataset in datasets_holding(s, me)
    press(alice, "/settings/ai", "/settings/ai/train-ai", choice="off")
    with session_scope(sqlite_engine) as s:
        # The request only recorded the choice and queued the work: the server never runs it.
        job = s.scalars(select(PropagationJob).where(PropagationJob.member_id == me)).one()
        assert job.status == "queued" and dataset in datasets_holding(s, me)
    assert (
        "Removing your data from “train-ai”: <strong>queued</strong>"
        in alice.get("/your-data").text
    )
    (outcome,) = run_worker(sqlite_engine, app.state.settings, once=True)
    assert outcome.status == "done", outcome.error
    with session_scope(sqlite_engine) as s:
        assert datasets_holding(s, me) == []  # the successor no longer holds her
        job = s.scalars(select(PropagationJob).where(PropagationJob.member_id == me)).one()
        assert job.status == "done" and job.receipt_id
    page = alice.get("/your-data").text
    assert f"/your-data/receipts/{job.receipt_id}.json" in page
    assert dataset in page  # listed among the datasets that held her data before


def test_legitimate_interest_shows_on_until_you_object(alice, app, network, sqlite_engine):
    with session_scope(sqlite_engine) as s:
        publish(s, load_policy("linkedin-2025"), notice_days=0)
    html = alice.get("/settings/ai").text
    # Alice is in Germany: linkedin-2025 uses legitimate interest there after 2025-11-03.
    with session_scope(sqlite_engine) as s:
        d = decide(s, network.members["alice"], "train-genai")
    assert d.basis == "legitimate-interest" and d.allowed
    assert state_of(html, "train-genai") == "On"
    assert "On until you object (legitimate interest)" in html
    assert ">Object</button>" in html
    press(alice, "/settings/ai", "/settings/ai/train-genai", choice="off")
    (event,) = events(sqlite_engine, network.members["alice"])
    assert (event.action, event.purpose) == ("object", "train-genai")
    assert state_of(alice.get("/settings/ai").text, "train-genai") == "Off"


def test_unknown_purpose_and_bad_choice_are_refused_without_a_write(
    alice, policy, network, sqlite_engine
):
    assert press(alice, "/settings/ai", "/settings/ai/train-ai", choice="maybe").status_code == 400
    html = alice.get("/settings/ai").text
    from web.helpers import csrf_from

    response = alice.post(
        "/settings/ai/mind-reading", data={"csrf_token": csrf_from(html), "choice": "on"}
    )
    assert response.status_code == 400 and "unknown purpose" in response.text
    assert events(sqlite_engine, network.members["alice"]) == []


def test_no_ai_training_on_my_own_posts_only(alice, policy, network, sqlite_engine):
    post = network.posts["alice_public"]
    html = alice.get("/settings/ai").text
    assert f'action="/settings/ai/posts/{post}"' in html
    assert (
        press(alice, "/settings/ai", f"/settings/ai/posts/{post}", no_ai_training="1").status_code
        == 303
    )
    assert "No AI training" in alice.get("/feed").text
    press(alice, "/settings/ai", f"/settings/ai/posts/{post}", no_ai_training="0")
    with session_scope(sqlite_engine) as s:
        stated = s.scalars(
            select(UsagePreference.allowed)
            .where(UsagePreference.item_id == post, UsagePreference.category == "train-ai")
            .order_by(UsagePreference.id)
        ).all()
    assert stated == [False, True]  # stated again, never updated; the latest wins
    carols = network.posts["carol_public"]
    response = press(alice, "/settings/ai", f"/settings/ai/posts/{post}", no_ai_training="1")
    html = alice.get("/settings/ai").text
    from web.helpers import csrf_from

    response = alice.post(
        f"/settings/ai/posts/{carols}", data={"csrf_token": csrf_from(html), "no_ai_training": "1"}
    )
    assert response.status_code == 404 and "Carol" not in response.text
