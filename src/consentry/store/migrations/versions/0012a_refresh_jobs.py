"""propagation jobs of kind refresh (content or region changed)

Revision ID: 0012a
Revises: 0012
"""

from alembic import op

revision = "0012a"
down_revision = "0012"
branch_labels = None
depends_on = None

_NAME = "ck_propagation_jobs_kind"


def _replace(kinds: str) -> None:
    # SQLite cannot alter a constraint in place: batch mode copies the table.
    with op.batch_alter_table("propagation_jobs") as batch:
        batch.drop_constraint(op.f(_NAME), type_="check")
        batch.create_check_constraint(op.f(_NAME), f"kind IN ({kinds})")


def upgrade() -> None:
    _replace("'withdraw', 'erase', 'refresh'")


def downgrade() -> None:
    op.execute("DELETE FROM propagation_jobs WHERE kind = 'refresh'")
    _replace("'withdraw', 'erase'")
