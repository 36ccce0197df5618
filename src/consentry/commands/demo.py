"""`consentry demo-withdrawal`: show, on the demo network, a withdrawal reaching every
dataset and model of its purpose, and how long that took."""

from __future__ import annotations

import typer
from sqlalchemy import select

from consentry.commands.context import settings, store_engine
from consentry.errors import Conflict
from consentry.store.dataset_tables import DatasetLineageRow, DatasetVersionRow
from consentry.store.engine import session_scope


def demo_withdrawal(
    purpose: str = typer.Option("train-genai", "--purpose", help="The purpose to withdraw."),
) -> None:
    """Withdraw one consenting member's data from `purpose` and propagate it right away."""
    from consentry.rights.withdrawal import withdraw
    from consentry.rights.worker import propagate_now

    cfg = settings()
    db = store_engine(cfg)
    try:
        with session_scope(db) as session:
            member_id = session.scalar(
                select(DatasetLineageRow.member_id)
                .join(DatasetVersionRow, DatasetVersionRow.id == DatasetLineageRow.dataset_id)
                .where(DatasetVersionRow.purpose == purpose, DatasetVersionRow.status == "active")
                .order_by(DatasetLineageRow.member_id)
                .limit(1)
            )
        if member_id is None:
            raise Conflict(f"no active {purpose} dataset holds anyone; build one first")
        request = withdraw(db, cfg, member_id, purpose, source="settings", actor="demo")
        typer.echo(
            f"member {member_id} withdrew {purpose} (ledger entry {request.entry.seq}); "
            "propagating ..."
        )
        outcome = propagate_now(db, cfg, request.job_id)
    finally:
        db.dispose()
    if outcome is None:
        typer.echo("another worker is propagating it; see `consentry propagate`")
        return
    typer.echo(outcome.summary())
    typer.echo(f"the last propagation took {outcome.seconds:.2f} s, withdrawal to receipt")


def register(app: typer.Typer) -> None:
    app.command("demo-withdrawal")(demo_withdrawal)
