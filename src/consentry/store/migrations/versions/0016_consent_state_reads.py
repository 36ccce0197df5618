"""the current-state table answers batch decisions at the ledger head

Revision ID: 0016
Revises: 0015

`consent_state` (migration 0002) holds each member's latest choice per purpose and is
kept in step with the ledger inside every append. Batch decisions (`decide_all`) now read
it instead of grouping the whole ledger when they decide at the head, so:

- `ix_consent_state_stale` (purpose, action, seq) lets a decision at an older position
  find the few rows newer than that position (their members are looked up in the ledger);
- the table is re-derived from the ledger in one set-based statement, so every database
  starts from a table equal to what its ledger implies, whatever was done to it before
  (`ledger verify` checks that it stays so).

Downgrade drops the index only: the rows are derived data, and still correct.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The latest choice (not a shown notice) per (member, purpose), as `consent.state`
# derives it; written out here so the migration does not depend on today's code.
BACKFILL = """
INSERT INTO consent_state
    (member_id, purpose, action, source, policy_version, seq, occurred_at)
SELECT e.member_id, e.purpose, e.action, e.source, e.policy_version, e.seq, e.occurred_at
FROM consent_events e
JOIN (
    SELECT member_id, purpose, max(seq) AS seq
    FROM consent_events
    WHERE action IN ('grant', 'withdraw', 'object', 'erase')
    GROUP BY member_id, purpose
) latest ON e.seq = latest.seq
"""


def upgrade() -> None:
    with op.batch_alter_table("consent_state", schema=None) as batch_op:
        batch_op.create_index("ix_consent_state_stale", ["purpose", "action", "seq"], unique=False)
    op.execute("DELETE FROM consent_state")
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("consent_state", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_state_stale")
