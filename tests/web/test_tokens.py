"""API tokens: scoped, listed, revocable, and never enough on their own to erase."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import PASSWORD, publish_default_policy
from consentry.store.access_tables import ApiToken
from consentry.store.engine import session_scope
from consentry.store.tables import Member


def issue(client: TestClient, email: str, **extra) -> dict:
    response = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_a_token_reads_and_writes_by_default_and_is_stored_as_a_hash(
    client, network, sqlite_engine
):
    token = issue(client, network.email("alice"))
    assert sorted(token["scopes"]) == ["read", "write"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    posted = client.post(
        "/api/v1/posts", json={"text": "hello", "visibility": "public"}, headers=bearer(token)
    )
    assert posted.status_code == 201
    secret = token["access_token"].split(".", 1)[1]
    with session_scope(sqlite_engine) as s:
        stored = s.scalars(select(ApiToken.secret_hash)).all()
    assert stored and secret not in stored


def test_a_read_only_token_changes_nothing(client, network):
    token = issue(client, network.email("alice"), scopes=["read"])
    assert client.get("/api/v1/feed", headers=bearer(token)).status_code == 200
    refused = client.post(
        "/api/v1/posts", json={"text": "x", "visibility": "public"}, headers=bearer(token)
    )
    assert refused.status_code == 403 and "'write' scope" in refused.json()["error"]


def test_unknown_scopes_are_refused(client, network):
    for scopes in (["admin"], []):
        response = client.post(
            "/api/v1/tokens",
            json={"email": network.email("alice"), "password": PASSWORD, "scopes": scopes},
        )
        assert response.status_code == 422


def test_members_list_and_revoke_their_tokens(client, network):
    one = issue(client, network.email("alice"), name="backup script")
    two = issue(client, network.email("alice"))
    listed = client.get("/api/v1/me/tokens", headers=bearer(one)).json()
    assert {t["id"] for t in listed} == {one["token_id"], two["token_id"]}
    assert next(t for t in listed if t["current"])["name"] == "backup script"
    bob = issue(client, network.email("bob"))
    theirs = client.delete(f"/api/v1/me/tokens/{two['token_id']}", headers=bearer(bob))
    assert theirs.status_code == 404
    gone = client.delete(f"/api/v1/me/tokens/{two['token_id']}", headers=bearer(one))
    assert gone.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(two)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(one)).status_code == 200
    revoked = {
        t["id"]: t["revoked_at"]
        for t in client.get("/api/v1/me/tokens", headers=bearer(one)).json()
    }
    assert revoked[two["token_id"]] is not None and revoked[one["token_id"]] is None


def test_tokens_are_revoked_from_the_security_page(alice, client, network):
    token = issue(client, network.email("alice"), name="old laptop")
    page = alice.get("/account/security")
    assert "old laptop" in page.text and "may read, write" in page.text
    from web.helpers import csrf_from

    done = alice.post(
        f"/account/tokens/{token['token_id']}/revoke", data={"csrf_token": csrf_from(page.text)}
    )
    assert done.status_code == 200 and "That API token is revoked" in done.text
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_stolen_token_alone_cannot_erase_the_account(client, network, app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)
    stolen = issue(client, network.email("alice"))
    # Without the erase scope: refused whatever is typed, the handle included.
    for typed in ("alice", PASSWORD):
        refused = client.post("/api/v1/me/erase", json={"password": typed}, headers=bearer(stolen))
        assert refused.status_code == 403 and "'erase' scope" in refused.json()["error"]
    # With it, the password is still asked for: the public handle is not enough.
    scoped = issue(client, network.email("alice"), scopes=["read", "write", "erase"])
    refused = client.post("/api/v1/me/erase", json={"password": "alice"}, headers=bearer(scoped))
    assert refused.status_code == 400 and "type your password" in refused.json()["error"]
    with session_scope(sqlite_engine) as s:
        assert s.get(Member, network.members["alice"]).deleted_at is None
    done = client.post("/api/v1/me/erase", json={"password": PASSWORD}, headers=bearer(scoped))
    assert done.status_code == 200 and done.json()["erased"] is True
