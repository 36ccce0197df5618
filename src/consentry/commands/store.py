"""`consentry init`: create or migrate the database."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError

from consentry.commands.context import settings
from consentry.consent.ledger import ledger_session, sealed
from consentry.consent.ledger_seal import ledger_key, seal_existing
from consentry.consent.versions import ensure_default_policy
from consentry.errors import Transient
from consentry.store import migrate, open_engine


def init() -> None:
    """Create the database, or migrate it to this version's schema. Safe to run twice.

    Seals the ledger entries written before entries were sealed (once; see
    `consentry.consent.ledger_seal`)."""
    cfg = settings()
    engine = sealed(open_engine(cfg.database_url), ledger_key(cfg))
    try:
        before, after = migrate(engine, cfg.data_dir)
        with ledger_session(engine) as session:
            sealing = seal_existing(session, cfg)
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
    if sealing is not None and sealing.sealed:
        typer.echo(f"sealed ledger entries 1-{sealing.upto}, written before entries were sealed")
    if first is not None:
        typer.echo(f"policy {first.policy.name} published as version 1, in force now")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
