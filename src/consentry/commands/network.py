"""`consentry seed` (generate a synthetic network) and `consentry demo-accounts`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from consentry.commands.context import settings, store_engine


def seed(
    members: int = typer.Option(3000, "--members", min=1, help="How many members to create."),
    seed: int = typer.Option(
        7, "--seed", help="Random seed: the same seed gives the same network."
    ),
    reset: bool = typer.Option(False, "--reset", help="Delete the existing network first."),
) -> None:
    """Generate a realistic synthetic network (deterministic for a given seed)."""
    from consentry.network.generate import generate_network

    cfg = settings()
    engine = store_engine(cfg)
    try:
        stats = generate_network(engine, members=members, seed=seed, reset=reset, progress=True)
    finally:
        engine.dispose()
    typer.echo(stats.summary())


def demo_accounts() -> None:
    """Show the demo accounts every seeded network has, and their password."""
    from consentry.network.demo import DEMO_ACCOUNTS

    table = Table(title="Demo accounts (created by `consentry seed`)")
    for column in ("email", "password", "role", "region", "premium", "for"):
        table.add_column(column)
    for account in DEMO_ACCOUNTS:
        table.add_row(
            account.email,
            account.password,
            account.role,
            account.region,
            "yes" if account.premium else "no",
            account.purpose,
        )
    Console(width=160).print(table)


def register(app: typer.Typer) -> None:
    app.command("seed")(seed)
    app.command("demo-accounts")(demo_accounts)
