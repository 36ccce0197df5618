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
from consentry.store.tables import Base


def _differences(engine, metadata: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
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
