"""GET /api/v1/schemas: the published JSON Schemas, served to anyone, as in docs/schemas."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from consentry import schemas

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_the_api_serves_the_published_schemas_without_signing_in(app):
    client = TestClient(app)
    listed = client.get("/api/v1/schemas")
    assert listed.status_code == 200
    assert set(schemas.names()) <= set(listed.json())
    for name in schemas.names():
        response = client.get(f"/api/v1/schemas/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/schema+json")
        assert response.json() == json.loads((DOCS / f"{name}.schema.json").read_text())
    missing = client.get("/api/v1/schemas/no-such-document")
    assert missing.status_code == 404 and "no-such-document" in missing.json()["error"]
