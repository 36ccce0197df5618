"""Reading a generated network back for the generator's tests."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import Engine, text

from consentry.store.tables import Base
from consentry.synthetic.generate import TABLES

AS_OF = datetime(2026, 6, 30)


def network_digest(engine: Engine) -> str:
    """A hash of every generated row, in primary-key order (password hashes left out:
    argon2 salts them at random)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            columns = [c for c in table.columns if c.name != "password_hash"]
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            sql = f'SELECT {", ".join(f"{chr(34)}{c.name}{chr(34)}" for c in columns)} FROM "{name}" ORDER BY {order}'
            for row in conn.execute(text(sql)):
                digest.update(repr(tuple(_plain(v) for v in row)).encode())
    return digest.hexdigest()


def _plain(value):
    # SQLite hands back strings for text queries, PostgreSQL datetimes: compare as text.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == " ":
        return value[:19]
    if isinstance(value, bool):
        return int(value)
    return value
