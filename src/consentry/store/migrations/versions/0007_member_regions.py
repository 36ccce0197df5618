"""member regions: stored region codes in canonical form

Revision ID: 0007
Revises: 0006

Before this revision a member's region was stored as given (`us-ca`, ` de `, `UK`), and a
policy's rules, ages and GPC entries, which name canonical codes, did not apply to it.
This rewrites every member region that `consentry.regions.normalise_region` can make
canonical (`us-ca` -> `US-CA`, `uk` -> `GB`). A code it cannot (`zz-zz`) is left as it is
and reported, one warning line per member on the `consentry.migrations` logger (stderr
when nothing else is configured), then a count: decisions give such a member the
policy's strictest reading until an operator corrects the row. No schema change; the
downgrade leaves the canonical codes in place (they were valid before, too).
"""

import logging

import sqlalchemy as sa
from alembic import op

from consentry.regions import RegionError, is_region, normalise_region

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("consentry.migrations")


def upgrade() -> None:
    conn = op.get_bind()
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("region", sa.String))
    # One UPDATE per distinct stored code, so a large network is rewritten set-wise.
    stored = conn.scalars(sa.select(members.c.region).distinct()).all()
    unknown = 0
    for region in sorted(stored):
        if is_region(region):
            continue
        try:
            canonical = normalise_region(region)
        except RegionError:
            ids = conn.scalars(
                sa.select(members.c.id).where(members.c.region == region).order_by(members.c.id)
            ).all()
            unknown += len(ids)
            for member_id in ids:
                log.warning(
                    "member %s: region %r is not an ISO 3166 code; left as it is, and "
                    "decided by the policy's strictest rule until it is corrected",
                    member_id,
                    region,
                )
            continue
        conn.execute(sa.update(members).where(members.c.region == region).values(region=canonical))
    if unknown:
        log.warning("%d member region(s) could not be normalised", unknown)


def downgrade() -> None:
    pass
