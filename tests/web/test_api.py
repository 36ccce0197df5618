"""The JSON API: tokens, what each call returns, and JSON errors for every bad request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import PASSWORD
from consentry.store.tables import Post, UsagePreference
from web.helpers import log_in, make_app

API_GETS = ("/api/v1/me", "/api/v1/feed", "/api/v1/jobs", "/api/v1/jobs/1", "/api/v1/members/bob")


def issue(client: TestClient, email: str, password: str = PASSWORD):
    return client.post("/api/v1/tokens", json={"email": email, "password": password})


@pytest.fixture
def token(client, network) -> str:
    response = issue(client, network.email("alice"))
    assert response.status_code == 201
    return response.json()["access_token"]


@pytest.fixture
def api(client, token) -> TestClient:
    """`client` sending Alice's API token (and no cookie)."""
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def assert_json_error(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text
    return body


def test_token_issue_and_use(client, network):
    response = issue(client, "Alice@Example.test")
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert "set-cookie" not in response.headers  # a token, not a browser session
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["handle"] == "alice" and me.json()["email"] == "alice@example.test"
    assert me.json()["csrf_token"] is None


def test_token_refused_for_wrong_password_and_throttled(client, network):
    body = assert_json_error(issue(client, network.email("alice"), "nope"), 401)
    assert "do not match" in body["error"]
    for _ in range(4):
        issue(client, network.email("alice"), "nope")
    blocked = issue(client, network.email("alice"))
    assert_json_error(blocked, 429)
    assert int(blocked.headers["retry-after"]) > 0


def test_unauthenticated_api_calls_are_401_json(client, network):
    for path in API_GETS:
        response = client.get(path)
        assert_json_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert_json_error(client.post("/api/v1/posts", json={"text": "x", "visibility": "public"}))


def test_bad_tokens_are_401_json(client, network, sqlite_engine, tmp_path, token):
    for header in ("Bearer nonsense", "Bearer ", "Basic YWxpY2U6cHc=", f"Bearer {token}x"):
        assert_json_error(client.get("/api/v1/me", headers={"Authorization": header}), 401)
    # A token signed by another server's key is worthless here.
    other = make_app(sqlite_engine, tmp_path / "other-data")
    with TestClient(other) as elsewhere:
        foreign = issue(elsewhere, network.email("alice")).json()["access_token"]
    assert_json_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {foreign}"}), 401)


def test_password_change_revokes_tokens(client, network, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    other = issue(client, network.email("alice")).json()["access_token"]
    body = {"current_password": PASSWORD, "new_password": "a changed passphrase"}
    changed = client.post(
        "/api/v1/me/password", json=body, headers={"Authorization": f"Bearer {other}"}
    )
    assert changed.status_code == 200
    assert_json_error(client.get("/api/v1/me", headers=headers), 401)


def test_feed_member_and_jobs_as_json(api, network):
    feed = api.get("/api/v1/feed").json()
    texts = [p["text"] for p in feed["items"]]
    assert "Bob connections-only update" in texts and "Carol public thoughts" in texts
    assert "Carol private musings" not in texts and "Dave ghost post" not in texts
    first = next(p for p in feed["items"] if p["text"] == "Alice public hello")
    assert first["author"] == {"handle": "alice", "display_name": "Alice Archer"}
    assert first["comment_count"] == 1
    assert first["created_at"].endswith("Z")  # stored naive UTC, shown as UTC
    assert feed["page"] == 1 and feed["next_page"] is None
    network_only = api.get("/api/v1/feed?network_only=true").json()
    assert "Carol public thoughts" not in [p["text"] for p in network_only["items"]]

    carol = api.get("/api/v1/members/carol").json()
    assert carol["display_name"] == "Carol Cruz" and carol["skills"] == ["Knitting"]
    assert carol["positions"][0]["company"] == "Carol Corp"
    assert "email" not in carol and "birth_date" not in carol

    jobs = api.get("/api/v1/jobs", params={"q": "figma"}).json()
    assert [j["title"] for j in jobs["items"]] == ["Product Designer"]
    job = api.get(f"/api/v1/jobs/{network.jobs['python']}").json()
    assert job["company"] == "Globex" and job["remote"] is True
    assert job["skills"] == ["PostgreSQL", "Python"]


def test_missing_things_are_404_json(api, network):
    assert_json_error(api.get("/api/v1/members/dave"), 404)
    assert_json_error(api.get("/api/v1/members/nobody"), 404)
    assert_json_error(api.get(f"/api/v1/jobs/{network.jobs['gone']}"), 404)
    assert_json_error(api.get("/api/v1/no-such-thing"), 404)
    assert_json_error(api.delete("/api/v1/me"), 405)


def test_create_post_returns_201_with_the_post(api, network, sqlite_engine):
    response = api.post(
        "/api/v1/posts",
        json={
            "text": "An article body",
            "visibility": "connections",
            "kind": "article",
            "title": "On tidy pipelines",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "article" and body["title"] == "On tidy pipelines"
    assert body["author"]["handle"] == "alice" and body["usage_preferences"] == {}
    with sqlite_engine.connect() as conn:
        row = conn.execute(select(Post).where(Post.id == body["id"])).one()
    assert row.member_id == network.members["alice"] and row.visibility == "connections"


def test_usage_sources_hook_records_preferences(app, api, sqlite_engine):
    """The hook a `Content-Usage` reader will use: any source's "no" is stored."""
    app.state.usage_sources.append(
        lambda request: {"train-ai": False} if request.headers.get("x-test-no-ai") else {}
    )
    app.state.usage_sources.append(lambda request: {"train-ai": True, "search": None})
    plain = api.post("/api/v1/posts", json={"text": "plain", "visibility": "public"})
    assert plain.json()["usage_preferences"] == {"train-ai": True}
    denied = api.post(
        "/api/v1/posts",
        json={"text": "no ai", "visibility": "public"},
        headers={"X-Test-No-AI": "1"},
    )
    assert denied.status_code == 201
    assert denied.json()["usage_preferences"] == {"train-ai": False}
    assert denied.json()["no_ai_training"] is True and plain.json()["no_ai_training"] is False
    with sqlite_engine.connect() as conn:
        rows = conn.execute(
            select(
                UsagePreference.data_class, UsagePreference.category, UsagePreference.allowed
            ).where(UsagePreference.item_id == denied.json()["id"])
        ).all()
    assert rows == [("post", "train-ai", False)]


@pytest.mark.parametrize(
    "content, content_type",
    [
        (b'{"text": "unterminated', "application/json"),
        (b"not json at all", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"", "application/json"),
        (b'{"text": "hi"}', "application/json"),  # visibility missing
        (b'{"visibility": "public"}', "application/json"),  # text missing
        (b'{"text": 5, "visibility": "public"}', "application/json"),
        (b'{"text": "hi", "visibility": 7}', "application/json"),
        (b'{"text": "hi", "visibility": "friends"}', "application/json"),
        (b'{"text": "hi", "visibility": "public", "kind": "poll"}', "application/json"),
        (b'{"text": "hi", "visibility": "public", "extra": 1}', "application/json"),
        (b'{"text": "", "visibility": "public"}', "application/json"),
        (b'{"text": "   ", "visibility": "public"}', "application/json"),
        (b'{"text": "body", "visibility": "public", "kind": "article"}', "application/json"),
        (b'{"text": null, "visibility": "public"}', "application/json"),
        (b'{"text": "hi", "visibility": "public"}', "text/plain"),
        (b"text=hi&visibility=public", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
)
def test_bad_post_bodies_are_4xx_json_and_write_nothing(api, sqlite_engine, content, content_type):
    with sqlite_engine.connect() as conn:
        before = conn.execute(select(Post.id)).all()
    response = api.post("/api/v1/posts", content=content, headers={"Content-Type": content_type})
    assert_json_error(response)
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(Post.id)).all() == before


def test_validation_errors_name_the_field(api):
    body = assert_json_error(api.post("/api/v1/posts", json={"visibility": "public"}), 422)
    assert body["error"].startswith("body.text:")
    assert body["fields"][0]["field"] == "body.text"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs/abc",
        "/api/v1/jobs/0",
        "/api/v1/jobs/99999999999999999999999",
        "/api/v1/jobs?page=0",
        "/api/v1/jobs?page=-1",
        "/api/v1/jobs?page=1e9",
        "/api/v1/feed?page=10001",
        "/api/v1/feed?network_only=perhaps",
        f"/api/v1/members/{'x' * 65}",
        f"/api/v1/jobs?q={'x' * 201}",
    ],
)
def test_bad_query_and_path_values_are_4xx_json(api, path):
    assert_json_error(api.get(path))


def test_bad_token_requests_are_4xx_json(client, network):
    for body in (
        {},
        {"email": "a@b.c"},
        {"email": 1, "password": 2},
        [],
        {"email": "", "password": ""},
    ):
        assert_json_error(client.post("/api/v1/tokens", json=body))
    assert_json_error(
        client.post("/api/v1/tokens", content=b"{", headers={"Content-Type": "application/json"})
    )


def test_session_cookie_works_for_the_api_with_csrf_header(client, network):
    log_in(client, network.email("alice"))
    me = client.get("/api/v1/me").json()
    assert me["handle"] == "alice" and me["csrf_token"]
    post = {"text": "via the session", "visibility": "public"}
    assert_json_error(client.post("/api/v1/posts", json=post), 403)
    ok = client.post("/api/v1/posts", json=post, headers={"X-CSRF-Token": me["csrf_token"]})
    assert ok.status_code == 201


def test_unexpected_errors_are_500_json_without_details(app, sqlite_engine):
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert "secret internals" not in response.text


def test_openapi_schema_describes_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/me",
        "/api/v1/feed",
        "/api/v1/posts",
        "/api/v1/tokens",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/members/{handle}",
    ):
        assert path in paths, path
    assert "/feed" not in paths and "/login" not in paths  # pages are not API
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert "201" in paths["/api/v1/posts"]["post"]["responses"]
