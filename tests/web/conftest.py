"""Fixtures for the web tests: a seeded SQLite network and a client over the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from builders import Network, hand_network
from web.helpers import log_in, make_app


@pytest.fixture
def network(sqlite_engine) -> Network:
    return hand_network(sqlite_engine)


@pytest.fixture
def app(sqlite_engine, network, tmp_path):
    return make_app(sqlite_engine, tmp_path / "data")


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def alice(client, network):
    """`client`, signed in as Alice."""
    response = log_in(client, network.email("alice"))
    assert response.status_code == 303
    return client
