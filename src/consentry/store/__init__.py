"""Storage: SQLAlchemy tables, engines and sessions, and Alembic migrations.

Everything above this package talks to the database through `open_engine` and
`session_scope`; the caller owns the transaction.
"""

from consentry.store.engine import open_engine, session_scope, utcnow
from consentry.store.migrate import SchemaError, current_revision, head_revision, migrate
from consentry.store.tables import Base

__all__ = [
    "Base",
    "SchemaError",
    "current_revision",
    "head_revision",
    "migrate",
    "open_engine",
    "session_scope",
    "utcnow",
]
