"""A small real network with known consent choices, for dataset-build tests."""

from __future__ import annotations

import pytest

from consentry.config import load_settings
from consentry.consent.choices import seed_choices
from consentry.consent.versions import ensure_default_policy
from consentry.network.generate import generate_network
from consentry.store.engine import session_scope


@pytest.fixture
def settings(settings_env, db_url, monkeypatch):
    """Settings on a private data folder and the test's own database."""
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", db_url)
    return load_settings()


@pytest.fixture
def sqlite_settings(settings_env, sqlite_engine, monkeypatch):
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", str(sqlite_engine.url))
    return load_settings()


@pytest.fixture
def seeded():
    """The `seed` function below, for tests to call with their own sizes."""
    return seed


def seed(engine, settings, *, members: int = 160, seed: int = 5) -> None:
    """A generated network with the default policy and a seeded mix of choices."""
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)
    generate_network(engine, members=members, seed=seed)
    seed_choices(engine, seed=seed)
