"""schemathesis against the app's own OpenAPI schema: no 5xx for any generated input.

Every operation of /api/v1 is called with inputs generated from its schema, signed in
with an API token (Alice's, a member), on a network with the default policy and a
receipt, so the generated calls reach real data. Bounded to a few examples per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from builders import PASSWORD, publish_default_policy
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now

EXAMPLES = 8  # per operation: bounded, so the whole run stays well under a minute


@pytest.fixture
def api_schema(app, sqlite_engine, network):
    publish_default_policy(sqlite_engine, app.state.settings)
    done = withdraw(
        sqlite_engine,
        app.state.settings,
        network.members["alice"],
        "train-ai",
        source="api",
        actor="test",
    )
    propagate_now(sqlite_engine, app.state.settings, done.job_id)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def bearer(client, network) -> dict[str, str]:
    response = client.post(
        "/api/v1/tokens", json={"email": network.email("alice"), "password": PASSWORD}
    )
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.slow
def test_no_server_error_for_any_generated_input(api_schema, bearer):
    # The operations are driven one by one with Hypothesis directly (rather than through
    # schemathesis' pytest plugin) so the app and its database are the test's fixtures.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            headers = dict(case.headers or {})
            if case.path != "/api/v1/tokens":
                headers.update(bearer)  # the token wins over a generated Authorization
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.text[:300]))

        call()
    assert failures == []


def test_the_schema_lists_every_api_route(app):
    paths = app.openapi()["paths"]
    for path in (
        "/api/v1/me/ai-settings",
        "/api/v1/me/ai-settings/{purpose}",
        "/api/v1/me/timeline",
        "/api/v1/me/datasets",
        "/api/v1/me/models",
        "/api/v1/me/receipts",
        "/api/v1/me/receipts/{receipt_id}",
        "/api/v1/me/export",
        "/api/v1/me/import",
        "/api/v1/me/erase",
        "/api/v1/posts/{post_id}/usage",
        "/api/v1/me/password",
        "/api/v1/me/sessions",
        "/api/v1/me/sessions/{session}",
        "/api/v1/me/tokens",
        "/api/v1/me/tokens/{token}",
        "/api/v1/me/profile",
        "/api/v1/me/positions/{position_id}",
        "/api/v1/me/education/{education_id}",
        "/api/v1/me/skills/{skill_id}",
        "/api/v1/posts/{post_id}/comments",
        "/api/v1/posts/{post_id}/reaction",
        "/api/v1/comments/{comment_id}",
        "/api/v1/comments/{comment_id}/usage",
    ):
        assert path in paths, path
    assert "application/zip" in str(paths["/api/v1/me/export"]["post"]["responses"]["200"])
    assert "multipart/form-data" in paths["/api/v1/me/import"]["post"]["requestBody"]["content"]
