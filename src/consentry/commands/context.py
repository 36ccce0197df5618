"""What every command needs: settings and an engine on a database at the right schema."""

from __future__ import annotations

from sqlalchemy import Engine

from consentry.config import Settings, load_settings
from consentry.store import open_engine
from consentry.store.migrate import check_schema


def settings() -> Settings:
    return load_settings()


def store_engine(cfg: Settings | None = None) -> Engine:
    """An engine on the configured database, refusing one that is empty or at another schema."""
    cfg = cfg or load_settings()
    engine = open_engine(cfg.database_url)
    try:
        check_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return engine
