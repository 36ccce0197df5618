"""The public keys and the receipt schema: served to anyone, enough to verify a receipt."""

from __future__ import annotations

from fastapi.testclient import TestClient

from consentry.keys import KeyPurpose, Keyring, rotate
from consentry.rights.receipt_model import receipt_schema
from consentry.rights.receipt_signing import key_id, sign, verify
from consentry.store.engine import session_scope
from consentry.web.tokens import ApiTokens
from rights.receipt_bodies import receipt_body
from web.helpers import make_app


def test_anyone_gets_the_jwks_and_it_verifies_this_servers_receipts(app, client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    jwks = response.json()
    ring = app.state.keyring
    assert [k["kid"] for k in jwks["keys"]] == [key_id(ring)]
    assert all(
        set(k) >= {"kty", "crv", "x", "kid", "use", "alg"} and "d" not in k for k in jwks["keys"]
    )
    assert verify(sign(receipt_body(), ring), jwks).ok


def test_the_receipt_schema_is_served(client):
    response = client.get("/api/v1/schemas/receipt")
    assert response.status_code == 200 and response.json() == receipt_schema()


def test_a_rotated_receipt_key_stays_published(app, sqlite_engine):
    settings = app.state.settings
    before = key_id(app.state.keyring)
    rotate(settings, KeyPurpose.RECEIPTS)
    with TestClient(make_app(sqlite_engine, settings.data_dir)) as fresh:
        kids = [k["kid"] for k in fresh.get("/.well-known/jwks.json").json()["keys"]]
    assert kids[1:] == [before] and kids[0] == key_id(Keyring.load(settings))


def test_rotating_the_api_token_key_voids_tokens_but_not_sessions(app, network):
    settings = app.state.settings
    ring = app.state.keyring
    token = ApiTokens(ring.key(KeyPurpose.API_TOKENS), max_age_s=60)
    rotated = rotate(settings, KeyPurpose.API_TOKENS)
    fresh = ApiTokens(rotated.key(KeyPurpose.API_TOKENS), max_age_s=60)
    with session_scope(app.state.engine) as db:
        before, _ = token.issue(db, network.members["alice"])
        after, _ = fresh.issue(db, network.members["alice"])
    with session_scope(app.state.engine) as db:
        assert fresh.read(db, before) is None
        found = fresh.read(db, after)
        assert found is not None and found.member_id == network.members["alice"]
    assert rotated.key(KeyPurpose.SESSIONS) == ring.key(KeyPurpose.SESSIONS)
