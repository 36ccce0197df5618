"""rights: the propagation queue and signed receipts

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "propagation_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("ledger_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("receipt_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('withdraw', 'erase')", name=op.f("ck_propagation_jobs_kind")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_propagation_jobs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_propagation_jobs")),
    )
    op.create_index("ix_propagation_jobs_status", "propagation_jobs", ["status", "id"])
    op.create_index("ix_propagation_jobs_member", "propagation_jobs", ["member_id", "status"])
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("job_id", name=op.f("uq_receipts_job_id")),
    )
    op.create_index(op.f("ix_receipts_member_id"), "receipts", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_receipts_member_id"), table_name="receipts")
    op.drop_table("receipts")
    op.drop_index("ix_propagation_jobs_member", table_name="propagation_jobs")
    op.drop_index("ix_propagation_jobs_status", table_name="propagation_jobs")
    op.drop_table("propagation_jobs")
