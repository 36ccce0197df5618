"""End to end on both databases: log in, read the feed, post, read it back; and the CLI."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from builders import hand_network
from consentry.cli import app as cli
from consentry.store.tables import UsagePreference
from web.helpers import log_in, make_app, page_csrf


def test_login_feed_and_post_on_each_database(engine, tmp_path):
    network = hand_network(engine)
    app = make_app(engine, tmp_path / "data")
    with TestClient(app) as client:
        assert log_in(client, network.email("alice")).status_code == 303
        feed = client.get("/feed")
        assert feed.status_code == 200
        assert "Bob connections-only update" in feed.text
        assert "Carol private musings" not in feed.text
        posted = client.post(
            "/posts",
            data={
                "text": "Hello from both databases",
                "visibility": "public",
                "no_ai_training": "1",
                "csrf_token": page_csrf(client),
            },
            follow_redirects=False,
        )
        assert posted.status_code == 303
        assert "Hello from both databases" in client.get("/feed").text
        jobs = client.get("/api/v1/jobs", params={"q": "PYTHON 100%"}).json()
        assert [j["title"] for j in jobs["items"]] == ["Senior Python Engineer"]
    with engine.connect() as conn:
        prefs = conn.execute(select(UsagePreference.category, UsagePreference.allowed)).all()
    assert prefs == [("train-ai", False)]


def test_serve_is_a_cli_command():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0 and "serve" in top.output
    serve = runner.invoke(cli, ["serve", "--help"])
    assert serve.exit_code == 0
    for option in ("--host", "--port", "--secure-cookies"):
        assert option in serve.output
