"""erased names: keyed hashes of erased members' names, for the scrubber

Revision ID: 0008
Revises: 0007

Erasure overwrites a member's name, so the scrubber, which learns names from the members
table, would stop finding an erased member's name in other members' texts. This table keeps
keyed hashes of the name's word sequences instead (`store/rights_tables.ErasedNameHash`).
Members erased before this revision have no hashes: their names are already gone from the
members table and cannot be recovered here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_name_hashes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("gate", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_erased_name_hashes")),
    )


def downgrade() -> None:
    op.drop_table("erased_name_hashes")
