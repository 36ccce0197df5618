"""`consentry init`: create or migrate the database."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError

from consentry.commands.context import settings
from consentry.consent.ledger import ledger_session
from consentry.consent.versions import ensure_default_policy
from consentry.errors import Transient
from consentry.store import migrate, open_engine


def init() -> None:
    """Create the database, or migrate it to this version's schema. Safe to run twice."""
    cfg = settings()
    engine = open_engine(cfg.database_url)
    try:
        before, after = migrate(engine, cfg.data_dir)
        with ledger_session(engine) as session:
            first = ensure_default_policy(session, cfg)
    except OperationalError as exc:
        raise Transient(f"cannot reach the database: {exc.orig}".splitlines()[0]) from None
    finally:
        engine.dispose()
    where = cfg.database_url if not cfg.is_embedded else str(cfg.data_dir / "consentry.db")
    if before == after:
        typer.echo(f"database at {where} is already at schema {after}")
    else:
        typer.echo(f"database at {where} migrated from {before or 'empty'} to schema {after}")
    if first is not None:
        typer.echo(f"policy {first.policy.name} published as version 1, in force now")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
