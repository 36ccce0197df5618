"""Creating and migrating the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text

from consentry.cli import main
from consentry.store import SchemaError, current_revision, head_revision, migrate
from consentry.store.migrate import check_schema


def test_a_fresh_database_is_at_the_newest_schema(engine):
    assert current_revision(engine) == head_revision()
    names = set(inspect(engine).get_table_names())
    assert {"members", "profiles", "posts", "comments", "jobs", "messages", "revisions"} <= names


def test_migrating_twice_is_harmless(engine):
    before, after = migrate(engine)
    assert before == after == head_revision()
    check_schema(engine)


def test_a_newer_schema_than_the_code_is_refused_untouched(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaError, match="newer than this version"):
        migrate(engine)
    with pytest.raises(SchemaError, match="newer than this version"):
        check_schema(engine)
    assert current_revision(engine) == "9999_future"


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_init_command_creates_then_reports_up_to_date(settings_env, capsys):
    assert main(["init"]) == 0
    assert "migrated from empty" in capsys.readouterr().out
    assert (settings_env / "consentry.db").exists()
    assert main(["init"]) == 0
    assert "already at schema" in capsys.readouterr().out


def test_a_command_on_an_uninitialised_database_says_what_to_do(settings_env, capsys):
    assert main(["seed", "--members", "5"]) == 2
    err = capsys.readouterr().err
    assert "consentry init" in err
    assert "Traceback" not in err


def test_a_bad_database_url_is_one_clear_line(settings_env, monkeypatch, capsys):
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", "mysql://nope")
    assert main(["init"]) == 2
    err = capsys.readouterr().err.strip()
    assert "CONSENTRY_DATABASE_URL" in err
    assert len(err.splitlines()) == 1


def test_an_unreachable_postgres_is_one_clear_line(settings_env, monkeypatch, capsys):
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the database" in err
    assert "Traceback" not in err


def test_version_flag(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("consentry ")


def test_migration_0007_normalises_member_regions_and_reports_the_rest(engine, caplog):
    from alembic import command
    from sqlalchemy import select

    from builders import add_members
    from consentry.store.migrate import _config
    from consentry.store.tables import Member

    command.downgrade(_config(engine), "0006")
    ids = add_members(
        engine,
        [(r, date(1980, 1, 1)) for r in ("us-ca", " de", "UK", "hk", "zz-zz", "DE", "Q")],
    )
    with caplog.at_level("WARNING", logger="consentry.migrations"):
        migrate(engine)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Member.id, Member.region).order_by(Member.id)).all())
    assert [stored[i] for i in ids] == ["US-CA", "DE", "GB", "HK", "zz-zz", "DE", "Q"]
    report = [r.getMessage() for r in caplog.records if r.name == "consentry.migrations"]
    assert report == [
        f"member {ids[6]}: region 'Q' is not an ISO 3166 code; left as it is, and decided by "
        "the policy's strictest rule until it is corrected",
        f"member {ids[4]}: region 'zz-zz' is not an ISO 3166 code; left as it is, and decided "
        "by the policy's strictest rule until it is corrected",
        "2 member region(s) could not be normalised",
    ]
    assert current_revision(engine) == head_revision()
