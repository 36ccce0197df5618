"""Server-side sessions, password change and the sessions list, as a member notices them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from builders import PASSWORD, publish_default_policy
from consentry.store.access_tables import ApiToken, WebSession
from consentry.store.engine import session_scope, utcnow
from web.helpers import log_in, make_app, page_csrf

NEW_PASSWORD = "a much longer passphrase"


def browser(app, email: str, password: str = PASSWORD, address: str = "testclient") -> TestClient:
    client = TestClient(app, client=(address, 50000))
    assert log_in(client, email, password).status_code == 303
    return client


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/v1/me").json()["csrf_token"]}


def test_a_cookie_saved_before_logout_no_longer_signs_in(app, network):
    alice = browser(app, network.email("alice"))
    saved = alice.cookies.get("consentry_session")
    assert alice.get("/api/v1/me").status_code == 200
    alice.post("/logout", data={"csrf_token": page_csrf(alice)})
    replay = TestClient(app, cookies={"consentry_session": saved})
    assert replay.get("/api/v1/me").status_code == 401
    assert replay.get("/feed", follow_redirects=False).status_code == 303


def test_the_cookie_is_an_opaque_secret_kept_only_as_a_hash(app, network, sqlite_engine):
    alice = browser(app, network.email("alice"))
    value = alice.cookies.get("consentry_session")
    # Not a signed document (no payload and signature parts): nothing in it to read.
    assert "." not in value and "alice" not in value.lower() and len(value) >= 40
    with session_scope(sqlite_engine) as s:
        rows = s.scalars(select(WebSession)).all()
        assert [r.member_id for r in rows] == [network.members["alice"]]
        assert value not in {r.secret_hash for r in rows} | {r.id for r in rows}
    # Signing in again from the same browser replaces the secret (no fixation).
    assert log_in(alice, network.email("alice")).status_code == 303
    assert alice.cookies.get("consentry_session") != value


def test_idle_and_absolute_timeouts_end_a_session(app, network, sqlite_engine):
    settings = app.state.settings
    alice = browser(app, network.email("alice"))
    bob = browser(app, network.email("bob"))
    idle = timedelta(minutes=settings.session_idle_minutes)
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(WebSession)
            .where(WebSession.member_id == network.members["alice"])
            .values(last_seen_at=utcnow() - idle - timedelta(seconds=1))
        )
        conn.execute(
            update(WebSession)
            .where(WebSession.member_id == network.members["bob"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert alice.get("/api/v1/me").status_code == 401
    assert bob.get("/api/v1/me").status_code == 401


def test_a_busy_session_stays_signed_in_within_the_idle_timeout(app, network, sqlite_engine):
    alice = browser(app, network.email("alice"))
    with sqlite_engine.begin() as conn:
        conn.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    assert alice.get("/api/v1/me").status_code == 200
    with session_scope(sqlite_engine) as s:  # that request counted as activity
        seen = s.scalar(select(func.max(WebSession.last_seen_at)))
    assert utcnow() - seen < timedelta(minutes=1)


def test_password_change_ends_other_sessions_and_tokens_keeps_this_one(app, network, client):
    email = network.email("alice")
    here, laptop = browser(app, email), browser(app, email, address="192.0.2.10")
    token = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    page = here.get("/account/security")
    assert page.status_code == 200 and "This browser" in page.text and "192.0.2.10" in page.text
    done = here.post(
        "/account/password",
        data={
            "csrf_token": page_csrf(here, "/account/security"),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert here.get("/api/v1/me").status_code == 200
    assert laptop.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    with TestClient(app) as fresh:
        assert log_in(fresh, email).status_code == 401
        assert log_in(fresh, email, NEW_PASSWORD).status_code == 303


def test_password_change_needs_the_current_password_and_a_strong_new_one(app, network, client):
    alice = browser(app, network.email("alice"))
    h = csrf(alice)
    for body, message in (
        ({"current_password": "not it", "new_password": NEW_PASSWORD}, "current password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "at least 12"),
        ({"current_password": PASSWORD, "new_password": "aaaaaaaaaaaa"}, "repeated"),
    ):
        refused = alice.post("/api/v1/me/password", json=body, headers=h)
        assert refused.status_code == 400 and message in refused.json()["error"], body
    assert log_in(TestClient(app), network.email("alice")).status_code == 303  # unchanged


def test_api_password_change_reports_what_it_ended(app, network, client):
    email = network.email("bob")
    other = browser(app, email)
    token = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).json()
    spare = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    done = client.post("/api/v1/me/password", json=body, headers=bearer)
    assert done.json() == {"changed": True, "sessions_ended": 1, "tokens_revoked": 1}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # the asking token
    spare_h = {"Authorization": f"Bearer {spare['access_token']}"}
    assert client.get("/api/v1/me", headers=spare_h).status_code == 401
    assert other.get("/api/v1/me").status_code == 401


def test_members_see_and_end_their_other_sessions(app, network):
    email = network.email("alice")
    here, phone = browser(app, email), browser(app, email, address="203.0.113.5")
    listed = here.get("/api/v1/me/sessions").json()
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    theirs = next(s for s in listed if not s["current"])
    assert theirs["address"] == "203.0.113.5"
    bob = browser(app, network.email("bob"))
    assert bob.delete(f"/api/v1/me/sessions/{theirs['id']}", headers=csrf(bob)).status_code == 404
    assert phone.get("/api/v1/me").status_code == 200
    ended = here.delete(f"/api/v1/me/sessions/{theirs['id']}", headers=csrf(here))
    assert ended.status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert [s["current"] for s in here.get("/api/v1/me/sessions").json()] == [True]
    # The same from the page.
    phone = browser(app, email, address="203.0.113.5")
    other = next(s for s in here.get("/api/v1/me/sessions").json() if not s["current"])
    form = {"csrf_token": page_csrf(here, "/account/security")}
    page = here.post(f"/account/sessions/{other['id']}/end", data=form)
    assert page.status_code == 200 and "That session is signed out" in page.text
    assert phone.get("/api/v1/me").status_code == 401


def test_erasure_ends_every_session_and_revokes_every_token(app, network, sqlite_engine, client):
    publish_default_policy(sqlite_engine, app.state.settings)
    email = network.email("bob")
    phone = browser(app, email)
    token = client.post(
        "/api/v1/tokens", json={"email": email, "password": PASSWORD, "scopes": ["read"]}
    ).json()
    here = browser(app, email)
    done = here.post("/api/v1/me/erase", json={"password": PASSWORD}, headers=csrf(here))
    assert done.status_code == 200, done.text
    assert phone.get("/api/v1/me").status_code == 401
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    with session_scope(sqlite_engine) as s:
        member = network.members["bob"]
        assert not s.scalars(select(WebSession).where(WebSession.member_id == member)).all()
        revoked = s.scalars(select(ApiToken.revoked_at).where(ApiToken.member_id == member))
        assert all(r is not None for r in revoked)


def test_session_timeouts_come_from_settings(sqlite_engine, network, tmp_path):
    from dataclasses import replace

    app = make_app(sqlite_engine, tmp_path / "data")
    app.state.settings = replace(app.state.settings, session_max_hours=1)
    with TestClient(app) as c:
        response = log_in(c, network.email("alice"))
        assert "max-age=3600" in response.headers["set-cookie"].lower()


def test_sessions_tokens_and_logout_on_both_databases(engine, tmp_path):
    from builders import hand_network

    network = hand_network(engine)
    app = make_app(engine, tmp_path / "data")
    with TestClient(app) as alice:
        assert log_in(alice, network.email("alice")).status_code == 303
        saved = alice.cookies.get("consentry_session")
        token = alice.post(
            "/api/v1/tokens", json={"email": network.email("alice"), "password": PASSWORD}
        ).json()
        assert len(alice.get("/api/v1/me/sessions").json()) == 1
        alice.post("/logout", data={"csrf_token": page_csrf(alice)})
    with TestClient(app, cookies={"consentry_session": saved}) as replay:
        assert replay.get("/api/v1/me").status_code == 401
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert replay.get("/api/v1/me", headers=bearer).status_code == 200
