"""Signing up through the page and the API: the rules a person meets, what is stored
(nothing, when refused), and the choices screen right after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from builders import publish_default_policy, publish_preset
from consentry.consent.decide import decide
from consentry.network.accounts import verify_password
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member
from web.helpers import csrf_from, make_app
from web.member_helpers import events, state_of

STRONG = "four words make a passphrase"


def adult(years: int = 30) -> str:
    today = date.today()
    return date(today.year - years, 1, 1).isoformat() if today.month > 1 else "1990-01-01"


def years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return (day + timedelta(days=days)).isoformat()


def form(**overrides) -> dict[str, str]:
    fields = {
        "email": "Nina.Keller@Example.ORG",
        "password": STRONG,
        "first_name": "Nina",
        "last_name": "Keller",
        "birth_date": "1991-06-15",
        "region": "DE",
    }
    fields.update(overrides)
    return fields


def sign_up(client: TestClient, **overrides):
    page = client.get("/signup")
    assert page.status_code == 200
    data = {**form(**overrides), "csrf_token": csrf_from(page.text)}
    return client.post("/signup", data=data, follow_redirects=False)


def members(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Member)) or 0


def stored(engine, email: str) -> Member | None:
    with session_scope(engine) as s:
        row = s.scalar(select(Member).where(func.lower(Member.email) == email.lower()))
        if row is not None:
            s.expunge(row)
        return row


@pytest.fixture
def policy(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)


def test_the_log_in_page_links_to_sign_up(client):
    html = client.get("/login").text
    assert 'href="/signup"' in html and "Create an account" in html


def test_sign_up_then_choices_records_grants_with_the_notice_version(engine, tmp_path):
    """On SQLite and PostgreSQL (the `engine` fixture runs both)."""
    app = make_app(engine, tmp_path / "data")
    publish_default_policy(engine, app.state.settings)
    with TestClient(app) as client:
        done = sign_up(client, region="de")
        assert done.status_code == 303 and done.headers["location"] == "/signup/choices"
        row = stored(engine, "nina.keller@example.org")
        assert row is not None
        assert row.region == "DE" and row.handle == "nina.keller"
        assert row.email == "Nina.Keller@example.org"  # the domain normalised
        assert verify_password(row.password_hash, STRONG)
        html = client.get("/signup/choices").text
        assert "policy version 1 (consent-first)" in html
        for purpose in ("train-genai", "train-ai", "recruiter-ai", "share-affiliates"):
            assert state_of(html, purpose) == "Off"  # consent-first, Germany: off until yes
            assert f'id="allow-{purpose}"' in html
        assert " checked" not in html
        page = client.post(
            "/signup/choices",
            data={
                "csrf_token": csrf_from(html),
                "shown": ["train-genai", "train-ai", "recruiter-ai", "share-affiliates"],
                "allow": ["train-ai", "recruiter-ai"],
            },
            follow_redirects=False,
        )
        assert page.status_code == 303
        assert client.get("/feed").status_code == 200  # signed in from the first page on
    ledger = events(engine, row.id)
    assert [(e.purpose, e.action, e.source, e.notice_version) for e in ledger] == [
        ("train-ai", "grant", "settings", 1),
        ("recruiter-ai", "grant", "settings", 1),
    ]
    with session_scope(engine) as s:
        assert decide(s, row.id, "train-ai").allowed
        assert not decide(s, row.id, "train-genai").allowed


def test_under_the_minimum_age_is_refused_and_nothing_is_stored(client, policy, sqlite_engine):
    before = members(sqlite_engine)
    refused = sign_up(client, birth_date=years_ago(16, days=1))  # 16 tomorrow
    assert refused.status_code == 403
    assert "at least 16" in refused.text
    assert members(sqlite_engine) == before
    assert client.get("/feed", follow_redirects=False).status_code == 303  # not signed in
    assert sign_up(client, birth_date=years_ago(16)).status_code == 303  # 16 today


@pytest.mark.parametrize(
    ("overrides", "status", "field", "words"),
    [
        ({"password": "short one"}, 400, "password", "at least 12"),
        ({"password": "NinaKeller1991"}, 400, "password", "not built from your name"),
        ({"password": "nina.keller@example.org"}, 400, "password", "not your email"),
        ({"region": "XX"}, 400, "region", "unknown region code"),
        ({"region": "Germany"}, 400, "region", "ISO 3166"),
        ({"birth_date": "15/06/1991"}, 400, "birth_date", "year-month-day"),
        ({"birth_date": "2999-01-01"}, 400, "birth_date", "in the future"),
        ({"email": "nina at example"}, 400, "email", "not an email address"),
        ({"first_name": "   "}, 400, "first_name", "first name"),
    ],
)
def test_a_field_that_cannot_be_used_is_named_beside_it_and_nothing_is_stored(
    client, policy, sqlite_engine, overrides, status, field, words
):
    before = members(sqlite_engine)
    refused = sign_up(client, **overrides)
    assert refused.status_code == status
    assert f'id="{field}-error"' in refused.text and words in refused.text
    assert 'value="Keller"' in refused.text  # what was typed is kept (never the password)
    assert STRONG not in refused.text
    assert members(sqlite_engine) == before


def test_a_taken_email_says_so_and_nothing_more(client, policy, network, sqlite_engine):
    before = members(sqlite_engine)
    refused = sign_up(client, email="ALICE@example.test")
    assert refused.status_code == 409
    assert "already belongs to an account" in refused.text
    assert "Alice" not in refused.text and "Archer" not in refused.text
    assert members(sqlite_engine) == before


def test_handles_are_made_from_the_name_and_never_shared(app, policy, sqlite_engine):
    handles = []
    for n in range(3):
        with TestClient(app) as client:
            assert (
                sign_up(
                    client, email=f"zoe{n}@example.org", first_name="Zoë", last_name="Ünal"
                ).status_code
                == 303
            )
        handles.append(stored(sqlite_engine, f"zoe{n}@example.org").handle)
    assert handles == ["zoe.unal", "zoe.unal-2", "zoe.unal-3"]


def test_under_the_age_of_digital_consent_everything_is_off_and_says_why(
    client, policy, sqlite_engine
):
    # 17 in California: old enough for Consentry (16), under consent-first's 18 there.
    assert sign_up(client, region="US-CA", birth_date=years_ago(17)).status_code == 303
    html = client.get("/signup/choices").text
    assert 'id="under-age"' in html and "from the age of 18" in html
    assert "Members under 18 in United States are never included" in html
    assert 'name="allow"' not in html  # nothing can be turned on
    me = stored(sqlite_engine, "nina.keller@example.org")
    client.post(
        "/signup/choices",
        data={"csrf_token": csrf_from(html), "shown": ["train-ai"], "allow": ["train-ai"]},
    )
    assert events(sqlite_engine, me.id) == []
    with session_scope(sqlite_engine) as s:
        assert decide(s, me.id, "train-ai").code == "under-age"


def test_where_the_rule_is_legitimate_interest_the_screen_shows_on_with_the_right_to_object(
    app, sqlite_engine
):
    publish_preset(sqlite_engine, "linkedin-2024")
    with TestClient(app) as client:
        assert sign_up(client, region="us-ca").status_code == 303
        html = client.get("/signup/choices").text
        assert state_of(html, "train-genai") == "On"
        assert 'id="allow-train-genai" name="allow" value="train-genai" checked' in html
        assert "you have the right to object" in html
        shown = ["train-genai", "train-ai", "recruiter-ai", "share-affiliates"]
        client.post(
            "/signup/choices",
            data={"csrf_token": csrf_from(html), "shown": shown, "allow": shown[1:]},
        )
    me = stored(sqlite_engine, "nina.keller@example.org")
    assert [(e.purpose, e.action) for e in events(sqlite_engine, me.id)] == [
        ("train-genai", "object")
    ]


def test_a_policy_change_announced_is_shown_and_choices_name_its_notice(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)
    publish_preset(sqlite_engine, "linkedin-2024", at=utcnow(), notice_days=30)
    with TestClient(app) as client:
        sign_up(client, region="US-CA")
        html = client.get("/signup/choices").text
        assert "A new policy applies from" in html and "Version 2" in html
        client.post(
            "/signup/choices",
            data={"csrf_token": csrf_from(html), "shown": ["train-ai"], "allow": ["train-ai"]},
        )
    me = stored(sqlite_engine, "nina.keller@example.org")
    ledger = events(sqlite_engine, me.id)
    assert [(e.action, e.notice_version) for e in ledger] == [("notice-shown", 2), ("grant", 2)]
    assert ledger[-1].policy_version == 1  # decided under the version in force


def test_the_api_opens_an_account_with_the_same_rules(client, policy, network, sqlite_engine):
    body = form(region="fr", email="jo@example.org", first_name="Jo", last_name="Weiss")
    made = client.post("/api/v1/signup", json=body)
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["handle"] == "jo.weiss" and out["region"] == "FR" and out["policy_version"] == 1
    assert out["age_of_consent"] == 15 and out["under_age_of_consent"] is False
    assert {s["purpose"]: s["allowed"] for s in out["ai_settings"]} == {
        "train-genai": False,
        "train-ai": False,
        "recruiter-ai": False,
        "share-affiliates": False,
    }
    assert "password" not in made.text and "password_hash" not in out
    assert client.post("/api/v1/signup", json=body).status_code == 409
    assert (
        client.post(
            "/api/v1/signup", json={**body, "email": "x@example.org", "birth_date": years_ago(15)}
        ).status_code
        == 403
    )
    weak = client.post(
        "/api/v1/signup", json={**body, "email": "y@example.org", "password": "short"}
    )
    assert weak.status_code == 400 and "at least 12" in weak.json()["error"]
    assert client.post("/api/v1/signup", json={"email": "z@example.org"}).status_code == 422
    # The API signs nobody in: a token comes from POST /api/v1/tokens.
    token = client.post("/api/v1/tokens", json={"email": "jo@example.org", "password": STRONG})
    assert token.status_code == 201


def test_sign_ups_from_one_address_are_limited(sqlite_engine, tmp_path):
    app = make_app(sqlite_engine, tmp_path / "data", signup_max_accounts=2)
    publish_default_policy(sqlite_engine, app.state.settings)
    codes = []
    for n in range(3):
        with TestClient(app) as client:
            codes.append(sign_up(client, email=f"bot{n}@example.org").status_code)
    assert codes == [303, 303, 429]
    with TestClient(app) as client:
        again = sign_up(client, email="bot9@example.org")
        assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
        assert "Too many sign-ups" in again.text
        api = client.post("/api/v1/signup", json=form(email="bot8@example.org"))
        assert api.status_code == 429
    assert stored(sqlite_engine, "bot2@example.org") is None


def test_a_refused_sign_up_gives_its_account_slot_back(sqlite_engine, tmp_path):
    app = make_app(sqlite_engine, tmp_path / "data", signup_max_accounts=1)
    publish_default_policy(sqlite_engine, app.state.settings)
    with TestClient(app) as client:
        assert sign_up(client, password="too short").status_code == 400
        assert sign_up(client).status_code == 303


def test_a_signed_in_member_is_sent_on_from_the_sign_up_page(alice):
    page = alice.get("/signup", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/feed"


def test_no_account_opens_before_a_policy_is_in_force(client, sqlite_engine):
    before = members(sqlite_engine)
    refused = sign_up(client)
    assert refused.status_code == 400 and "no policy has been published" in refused.text
    assert members(sqlite_engine) == before
