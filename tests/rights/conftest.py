"""Fixtures for propagation tests: a trained network, shared and copied per test.

Seeding and training take a few seconds, so the SQLite tests share one trained network,
built once per session and copied per test (database file and data folder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import copy_trained, make_settings, sealed_store, train_network
from consentry.store import migrate


@pytest.fixture(scope="session")
def trained_template(tmp_path_factory) -> Path:
    """A folder holding a trained network: `data/` (with `consentry.db` inside)."""
    root = tmp_path_factory.mktemp("trained")
    data = root / "data"
    settings = make_settings(data, f"sqlite:///{data / 'consentry.db'}")
    engine = sealed_store(settings)
    migrate(engine)
    train_network(engine, settings)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return root


@pytest.fixture
def trained(trained_template, tmp_path, monkeypatch):
    """A private copy of the shared trained network (SQLite)."""
    net = copy_trained(trained_template, tmp_path)
    monkeypatch.setenv("CONSENTRY_DATA_DIR", str(net.settings.data_dir))
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", net.settings.database_url)
    yield net
    net.engine.dispose()
