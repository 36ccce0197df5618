"""connection requests, reactions, job applications, notifications, region changes;
message read state, closed jobs and year-only dates

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["members.id"], name=f"fk_{table}_{column}_members")


def upgrade() -> None:
    for table, default in (("positions", "month"), ("education", "year")):
        for column in ("started_precision", "ended_precision"):
            op.add_column(
                table,
                sa.Column(column, sa.String(length=8), nullable=False, server_default=default),
            )
    op.add_column("jobs", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column("messages", sa.Column("read_at", sa.DateTime(), nullable=True))

    op.create_table(
        "connection_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        _fk("connection_requests", "sender_id"),
        _fk("connection_requests", "recipient_id"),
        sa.PrimaryKeyConstraint("id", name="pk_connection_requests"),
    )
    op.create_index(
        "ix_connection_requests_recipient", "connection_requests", ["recipient_id", "status"]
    )
    op.create_index("ix_connection_requests_sender", "connection_requests", ["sender_id", "status"])

    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_class", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("reactions", "member_id"),
        sa.PrimaryKeyConstraint("id", name="pk_reactions"),
        sa.UniqueConstraint("data_class", "item_id", "member_id", name="uq_reactions_item_member"),
    )
    op.create_index("ix_reactions_item", "reactions", ["data_class", "item_id"])
    op.create_index("ix_reactions_member_id", "reactions", ["member_id"])

    op.create_table(
        "job_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_job_applications_job_id_jobs"),
        _fk("job_applications", "member_id"),
        sa.PrimaryKeyConstraint("id", name="pk_job_applications"),
        sa.UniqueConstraint("job_id", "member_id", name="uq_job_applications_job_member"),
    )
    op.create_index("ix_job_applications_job_id", "job_applications", ["job_id"])
    op.create_index("ix_job_applications_member_id", "job_applications", ["member_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        _fk("notifications", "member_id"),
        _fk("notifications", "actor_id"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_member_read", "notifications", ["member_id", "read_at"])

    op.create_table(
        "region_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("old_region", sa.String(length=8), nullable=False),
        sa.Column("new_region", sa.String(length=8), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        _fk("region_changes", "member_id"),
        sa.PrimaryKeyConstraint("id", name="pk_region_changes"),
    )
    op.create_index("ix_region_changes_member_id", "region_changes", ["member_id"])


def downgrade() -> None:
    for table in (
        "region_changes",
        "notifications",
        "job_applications",
        "reactions",
        "connection_requests",
    ):
        op.drop_table(table)
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("read_at")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("closed_at")
    for table in ("positions", "education"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("started_precision")
            batch.drop_column("ended_precision")
