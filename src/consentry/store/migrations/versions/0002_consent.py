"""consent: policy versions, the hash-chained consent ledger, current consent state

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIONS = "('grant', 'withdraw', 'object', 'erase', 'notice-shown')"
SOURCES = "('settings', 'api', 'gpc', 'import', 'admin')"

# The ledger is append-only in the database too: these triggers refuse UPDATE, DELETE
# (and, on PostgreSQL, TRUNCATE) of consent_events, so a mistake or a stray script cannot
# rewrite history. Someone with rights to drop triggers still can; `ledger verify` is the
# check that catches that.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
       BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END""",
    """CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
       BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END""",
]
PG_TRIGGERS = [
    """CREATE FUNCTION consent_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'consent_events is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events
       FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()""",
    """CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
       FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("widened", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_policy_versions")),
    )
    op.create_table(
        "consent_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"action IN {ACTIONS}", name=op.f("ck_consent_events_action")),
        sa.CheckConstraint(f"source IN {SOURCES}", name=op.f("ck_consent_events_source")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_consent_events_seq")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_consent_events_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_consent_events_prev_hash")),
    )
    op.create_index("ix_consent_events_member", "consent_events", ["member_id", "seq"])
    op.create_index("ix_consent_events_purpose", "consent_events", ["purpose", "member_id", "seq"])
    op.create_table(
        "consent_state",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "purpose", name=op.f("pk_consent_state")),
    )
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else PG_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_change ON consent_events")
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_truncate ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    op.drop_table("consent_state")
    op.drop_index("ix_consent_events_purpose", table_name="consent_events")
    op.drop_index("ix_consent_events_member", table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_table("policy_versions")
