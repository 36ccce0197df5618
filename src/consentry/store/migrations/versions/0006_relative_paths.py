"""relative paths: dataset and model folders stored relative to the data folder

Revision ID: 0006
Revises: 0005

Before this revision `dataset_versions.path` and `model_versions.path` held absolute
paths, so a data folder copied or restored elsewhere still named the old folder's files
(`store/locations.py`). This rewrites every absolute path that lies inside the data folder
the migration runs with (`consentry init` hands it over as `data_dir`) to its relative
form. A path outside it is left as it is: the code refuses to act on it, with a message
saying why, rather than guess which files it meant. Without a data folder (a bare
`migrate(engine)` on a new database) there is nothing to rewrite. No schema change.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from consentry.store.locations import relative_if_inside

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("dataset_versions", "model_versions")


def _data_dir() -> Path | None:
    given = context.config.attributes.get("data_dir")
    return None if given is None else Path(given)


def upgrade() -> None:
    data_dir = _data_dir()
    if data_dir is None:
        return
    conn = op.get_bind()
    for name in _TABLES:
        table = sa.table(name, sa.column("id", sa.String), sa.column("path", sa.Text))
        for row_id, path in conn.execute(sa.select(table.c.id, table.c.path)).all():
            relative = relative_if_inside(data_dir, path)
            if relative is not None:
                conn.execute(sa.update(table).where(table.c.id == row_id).values(path=relative))


def downgrade() -> None:
    data_dir = _data_dir()
    if data_dir is None:
        return
    conn = op.get_bind()
    root = data_dir.resolve()
    for name in _TABLES:
        table = sa.table(name, sa.column("id", sa.String), sa.column("path", sa.Text))
        for row_id, path in conn.execute(sa.select(table.c.id, table.c.path)).all():
            if not Path(path).is_absolute():
                conn.execute(
                    sa.update(table).where(table.c.id == row_id).values(path=str(root / path))
                )
