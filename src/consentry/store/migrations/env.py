"""Alembic environment: runs against the engine handed over in `config.attributes`."""

from alembic import context

import consentry.store.all_tables  # noqa: F401  (registers every table on Base.metadata)
from consentry.store.migrate import include_object
from consentry.store.tables import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # the alembic command line, for writing new migrations
    from consentry.config import load_settings
    from consentry.store.engine import open_engine

    cli_settings = load_settings()
    engine = open_engine(cli_settings.database_url)
    config.attributes.setdefault("data_dir", cli_settings.data_dir)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,  # full-text search objects are not declared tables
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
