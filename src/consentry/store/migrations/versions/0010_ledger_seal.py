"""ledger seal: a keyed MAC on every ledger entry, and triggers that guard it

Adds `consent_events.mac` (NULL on the entries already there) and replaces the
append-only triggers of 0002:

- UPDATE and DELETE stay refused, with one exception: filling a NULL `mac` once, with
  every other column unchanged. That is how `consentry ledger seal` (which has the ledger
  key; this migration does not) seals the entries written before this revision.
- INSERT of an entry without a `mac` is refused: from this revision on, every entry comes
  through the append path, which seals it.

Triggers only stop mistakes and stray scripts; someone who can drop them can still write
what they like. The seal is what `ledger verify` checks, and it needs the key.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CONTENT = (
    "seq",
    "member_id",
    "purpose",
    "action",
    "source",
    "policy_version",
    "notice_version",
    "occurred_at",
    "actor",
    "prev_hash",
    "hash",
)
_REFUSE = "SELECT RAISE(ABORT, 'consent_events is append-only')"

SQLITE_TRIGGERS = [
    # `UPDATE OF` fires when the statement sets any of the listed columns.
    f"""CREATE TRIGGER consent_events_no_update BEFORE UPDATE OF {", ".join(_CONTENT)}
       ON consent_events BEGIN {_REFUSE}; END""",
    f"""CREATE TRIGGER consent_events_seal_once BEFORE UPDATE OF mac ON consent_events
       WHEN OLD.mac IS NOT NULL OR NEW.mac IS NULL BEGIN {_REFUSE}; END""",
    f"""CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
       BEGIN {_REFUSE}; END""",
    """CREATE TRIGGER consent_events_sealed_insert BEFORE INSERT ON consent_events
       WHEN NEW.mac IS NULL
       BEGIN SELECT RAISE(ABORT, 'a consent_events entry needs its seal (mac)'); END""",
]
_UNCHANGED = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _CONTENT)
PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND OLD.mac IS NULL AND NEW.mac IS NOT NULL AND {_UNCHANGED}
         THEN RETURN NEW;
         END IF;
         RAISE EXCEPTION 'consent_events is append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION consent_events_sealed_insert() RETURNS trigger AS $$
       BEGIN
         IF NEW.mac IS NULL THEN
           RAISE EXCEPTION 'a consent_events entry needs its seal (mac)';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER consent_events_sealed_insert BEFORE INSERT ON consent_events
       FOR EACH ROW EXECUTE FUNCTION consent_events_sealed_insert()""",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS consent_events_no_delete")
    with op.batch_alter_table("consent_events") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    for statement in SQLITE_TRIGGERS if sqlite else PG_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in ("no_update", "seal_once", "no_delete", "sealed_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS consent_events_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS consent_events_sealed_insert ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_sealed_insert()")
    with op.batch_alter_table("consent_events") as batch:
        batch.drop_column("mac")
    if sqlite:
        # The triggers of 0002, as they were.
        op.execute(
            f"CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events "
            f"BEGIN {_REFUSE}; END"
        )
        op.execute(
            f"CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events "
            f"BEGIN {_REFUSE}; END"
        )
    else:
        op.execute(
            """CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'consent_events is append-only'; END $$
               LANGUAGE plpgsql"""
        )
