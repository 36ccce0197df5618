"""batch decisions read the members and the current-state table from covering indexes

Revision ID: 0017
Revises: 0016

- `ix_members_decisions` (region, id) carrying birth date and creation time: `decide_all`
  gives every member of a region the same legal basis and age cutoff, so on PostgreSQL
  it reads the members one class of regions at a time (`consent.decide._people`) by
  index-only scans, instead of matching each member's region as text against a table of
  rules, which cost more than the rest of the decision. SQLite has no INCLUDE; it gets
  (region, id), which finds a region's members in id order.
- `ix_consent_state_stale` (purpose, action, seq, migration 0016) now also carries the
  member and the policy version on PostgreSQL, so one purpose's choices are read from the
  index alone too.

Downgrade drops the first and puts the second back as 0016 made it.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_members_decisions",
            ["region", "id"],
            unique=False,
            postgresql_include=["birth_date", "created_at"],
        )
    with op.batch_alter_table("consent_state", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_state_stale")
        batch_op.create_index(
            "ix_consent_state_stale",
            ["purpose", "action", "seq"],
            unique=False,
            postgresql_include=["member_id", "policy_version"],
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_state", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_state_stale")
        batch_op.create_index("ix_consent_state_stale", ["purpose", "action", "seq"], unique=False)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_decisions")
