"""Helpers for the web tests: an app over a test's database, and a browser's way of
logging in and filling in forms. The data itself comes from `builders`."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from builders import DEMO_PASSWORD, PASSWORD, make_settings
from consentry.web.app import WebOptions, create_app

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(engine: Engine, data_dir: Path, **options):
    settings = make_settings(data_dir, engine.url.render_as_string())
    return create_app(settings, engine, options=WebOptions(**options))


def csrf_from(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD, **extra):
    """Fill in the log-in form the way a browser would; returns the POST's response."""
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text), **extra}
    return client.post("/login", data=data, follow_redirects=False)


def page_csrf(client: TestClient, path: str = "/feed") -> str:
    return csrf_from(client.get(path).text)


def log_in_form(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> TestClient:
    """Log in through the form with the demo password; the client, signed in."""
    response = log_in(client, email, password)
    assert response.status_code == 303, response.text
    return client
