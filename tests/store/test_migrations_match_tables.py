"""The Alembic migrations build exactly the tables the code declares, on both backends.

A table, column, index, type or default added to `store/*_tables.py` without a migration
(or a migration that drifts from the tables) shows up here as a difference found by
Alembic's own autogenerate comparison against a freshly migrated database.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table

import consentry.store.all_tables  # noqa: F401  (registers every table on Base.metadata)
from consentry.store.migrate import include_object
from consentry.store.tables import Base


def _differences(engine, metadata: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # Full-text search objects (migration 0015, all named `search_...`).
                "include_object": include_object,
            },
        )
        return compare_metadata(context, metadata)


def test_the_migrated_schema_is_the_declared_schema(engine):
    assert _differences(engine, Base.metadata) == []


def test_a_table_declared_without_a_migration_is_reported(engine):
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("undeclared_in_migrations", metadata, Column("id", Integer, primary_key=True))
    [(kind, table)] = _differences(engine, metadata)
    assert kind == "add_table" and table.name == "undeclared_in_migrations"


def test_only_search_objects_are_left_out(engine):
    """The filter hides the search objects and nothing else: an undeclared table or index
    named otherwise is still reported, one named `search_...` is not."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE searchless_extra (id integer primary key)")
        conn.exec_driver_sql("CREATE TABLE search_extra (id integer primary key)")
        conn.exec_driver_sql("CREATE INDEX ix_posts_extra ON posts (visibility)")
    found = {(d[0], d[1].name) for d in _differences(engine, Base.metadata)}
    assert found == {("remove_table", "searchless_extra"), ("remove_index", "ix_posts_extra")}
