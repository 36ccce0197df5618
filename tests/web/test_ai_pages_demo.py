"""The demo tour: a seeded network points visitors at its demo accounts; a network
without them shows nothing of the kind."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from builders import MAYA, OPS, build_world
from consentry.store.engine import utcnow
from consentry.store.tables import Member
from consentry.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from consentry.web.app import create_app
from web.helpers import log_in_form


def test_a_seeded_network_offers_its_demo_accounts(sqlite_engine, tmp_path):
    world = build_world(sqlite_engine, tmp_path / "data", members=10, purposes=())
    client = TestClient(create_app(world.settings, world.engine))
    login = client.get("/login").text
    assert '<a href="/demo">See who to log in as, and what to try</a>' in login
    tour = client.get("/demo").text
    assert f"<code>{DEMO_PASSWORD}</code>" in tour
    for account in DEMO_ACCOUNTS:
        assert account.email in tour and account.display_name in tour
    assert 'href="/login?next=/admin/consent-rates"' in tour
    # A try-link signs in and lands on the page it names.
    log_in_form(client, OPS.email)
    assert (
        client.get("/login?next=/admin/ledger", follow_redirects=False).headers["location"]
        == "/admin/ledger"
    )
    assert "See who to log in as" not in client.get("/feed").text  # only on the log-in page
    with sqlite_engine.begin() as conn:
        conn.execute(update(Member).where(Member.email == MAYA.email).values(deleted_at=utcnow()))
    assert MAYA.email not in TestClient(create_app(world.settings, world.engine)).get("/demo").text


def test_a_network_without_demo_accounts_shows_no_tour(client):
    assert client.get("/demo").status_code == 404
    assert 'href="/demo"' not in client.get("/login").text
