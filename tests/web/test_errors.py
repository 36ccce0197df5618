"""Each kind of domain error gets its one HTTP status, the same from every route."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from consentry.config import ConfigError
from consentry.errors import (
    Conflict,
    ConsentryError,
    Forbidden,
    InvalidInput,
    NotFound,
    Transient,
)
from consentry.web.errors import install_error_handlers

KINDS = [
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 400),
    (Transient, 503),
    (ConsentryError, 400),
    (ConfigError, 400),
]


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/v1/raise/{index}")
    def raise_kind(index: int) -> None:
        kind, _ = KINDS[index]
        raise kind(f"a {kind.__name__} happened")

    return TestClient(app)


@pytest.mark.parametrize("index", range(len(KINDS)), ids=[k.__name__ for k, _ in KINDS])
def test_each_kind_has_its_status_and_keeps_its_message(client, index):
    kind, status = KINDS[index]
    response = client.get(f"/api/v1/raise/{index}")
    assert response.status_code == status
    assert response.json() == {"error": f"a {kind.__name__} happened"}
    assert ("retry-after" in response.headers) == (status == 503)
