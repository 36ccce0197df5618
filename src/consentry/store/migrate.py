"""Create or migrate a database to the schema this code knows (Alembic, run in-process)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from consentry.errors import Conflict

MIGRATIONS = Path(__file__).parent / "migrations"


#: Objects the migrations create for full-text search (0015: FTS5 tables and their
#: shadow tables, views and triggers on SQLite; document tables and a GIN expression
#: index on PostgreSQL) are named with this prefix. They are no table the code declares.
SEARCH_PREFIX = "search_"


def include_object(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's `include_object` filter for comparing the database with the declared
    tables: leaves out exactly the full-text search objects (a reflected table or index
    named `search_...`), so anything else that differs is still reported."""
    return not (
        reflected
        and compare_to is None
        and type_ in ("table", "index")
        and (name or "").startswith(SEARCH_PREFIX)
    )


class SchemaError(Conflict):
    """The database's schema cannot be used by this version of Consentry."""


def _config(engine: Engine | None = None, data_dir: Path | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    if data_dir is not None:
        cfg.attributes["data_dir"] = data_dir
    return cfg


def head_revision() -> str:
    """The newest schema revision this code ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is exactly at this code's schema."""
    current = current_revision(engine)
    if current is None:
        raise SchemaError("the database is empty: run `consentry init` first")
    _refuse_unknown(current)
    if current != head_revision():
        raise SchemaError(
            f"the database schema is at {current}, older than this code's {head_revision()}: "
            "run `consentry init` to migrate it"
        )


def _refuse_unknown(current: str) -> None:
    script = ScriptDirectory.from_config(_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaError(
            f"the database schema ({current}) is newer than this version of Consentry knows "
            f"(newest known: {head_revision()}); upgrade Consentry before using this database"
        )


def migrate(engine: Engine, data_dir: Path | None = None) -> tuple[str | None, str]:
    """Bring the database to the newest schema; harmless when it is already there.

    `data_dir` is the data folder the database belongs to: migrations that rewrite stored
    file locations (0006) need it, and rewrite nothing without it. Returns (revision
    before, revision after). Refuses a database whose schema is newer than this code,
    leaving it untouched.
    """
    before = current_revision(engine)
    if before is not None:
        _refuse_unknown(before)
    command.upgrade(_config(engine, data_dir), "head")
    return before, head_revision()
