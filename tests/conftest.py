"""Real databases for every storage test: SQLite and PostgreSQL, isolated per test.

`engine` is parametrised over both backends. Each test gets its own fresh database,
copied from a template migrated once per test session (a file copy on SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL), so tests never see each other's rows.
Each engine carries the ledger key of the test's own data folder (`tmp_path/data`, the
folder `settings_env` points at), so what a test appends verifies under its settings.

PostgreSQL comes from `CONSENTRY_TEST_POSTGRES_URL` (default: the local server, database
`test`). Where it cannot be reached the PostgreSQL cases are skipped, except under
`CI=true`, where they fail: CI must never pass by skipping a database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from consentry.store import migrate, open_engine

# The scrubber's NER stage costs about 3 ms per text it reads; the tests of the scrubber
# itself (tests/datasets/scrub, which switch it back on) and the builds there cover it.
# Everywhere else a build scrubs with the rules only, so the suite stays fast.
os.environ.setdefault("CONSENTRY_SCRUB_NER", "off")

PG_URL = os.environ.get(
    "CONSENTRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_admin() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to head, used as the template of each test's own."""
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"consentry_tpl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = open_engine(url)
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head; each test copies it."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _fresh_pg(template: str) -> tuple[str, str]:
    name = f"consentry_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """The URL of a fresh database at the newest schema, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "consentry.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        name, url = _fresh_pg(request.getfixturevalue("pg_template"))
        yield url
        _drop_pg(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def make_database(request):
    """A maker of fresh databases at the newest schema, for tests that need many (one per
    Hypothesis example): `make(folder)` returns (url, drop)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")

        def make_sqlite(folder: Path):
            path = folder / "consentry.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}", lambda: None

        return make_sqlite
    pg = request.getfixturevalue("pg_template")

    def make_pg(folder: Path):
        name, url = _fresh_pg(pg)
        return url, lambda: _drop_pg(name)

    return make_pg


@pytest.fixture
def engine(db_url, tmp_path) -> Iterator[Engine]:
    """An engine on a fresh database at the newest schema (SQLite and PostgreSQL)."""
    from builders import sealed_engine

    eng = sealed_engine(db_url, tmp_path / "data")
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template) -> Iterator[Engine]:
    """A fresh SQLite database only, for tests that are about something other than storage."""
    path = tmp_path / "consentry.db"
    shutil.copyfile(sqlite_template, path)
    from builders import sealed_engine

    eng = sealed_engine(f"sqlite:///{path}", tmp_path / "data")
    yield eng
    eng.dispose()


@pytest.fixture
def settings_env(tmp_path, monkeypatch):
    """Point CONSENTRY_* at a private data folder for commands run in-process."""
    data = tmp_path / "data"
    monkeypatch.setenv("CONSENTRY_DATA_DIR", str(data))
    monkeypatch.delenv("CONSENTRY_DATABASE_URL", raising=False)
    return data


@pytest.fixture
def settings(settings_env, db_url, monkeypatch):
    """Settings on a private data folder and the test's own database (both backends)."""
    from consentry.config import load_settings

    monkeypatch.setenv("CONSENTRY_DATABASE_URL", db_url)
    return load_settings()


@pytest.fixture
def sqlite_settings(settings_env, sqlite_engine, monkeypatch):
    """Settings on a private data folder and the test's own SQLite database."""
    from consentry.config import load_settings

    monkeypatch.setenv("CONSENTRY_DATABASE_URL", str(sqlite_engine.url))
    return load_settings()


@pytest.fixture
def seeded():
    """`builders.seed_network`, for tests to call with their own sizes."""
    from builders import seed_network

    return seed_network
