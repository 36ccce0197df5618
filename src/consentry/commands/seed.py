"""The seeding commands, the only ones that use `consentry.synthetic`: `consentry seed`
(generate a synthetic network), `consentry consent seed` (a realistic mix of choices) and
`consentry demo-accounts`."""

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
    from consentry.synthetic.demo import write_tour
    from consentry.synthetic.generate import generate_network

    cfg = settings()
    engine = store_engine(cfg)
    try:
        stats = generate_network(engine, members=members, seed=seed, reset=reset, progress=True)
    finally:
        engine.dispose()
    write_tour(cfg.data_dir)
    typer.echo(stats.summary())


def demo_accounts() -> None:
    """Show the demo accounts every seeded network has, and their password."""
    from consentry.synthetic.demo import DEMO_ACCOUNTS

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


def consent_seed(seed: int = typer.Option(7, "--seed", help="Random seed.")) -> None:
    """Record a realistic mix of choices for every member, through the ledger (demos)."""
    from consentry.synthetic.choices import seed_choices

    engine = store_engine(settings())
    try:
        n = seed_choices(engine, seed=seed)
    finally:
        engine.dispose()
    typer.echo(f"recorded {n} consent events")


def register(app: typer.Typer, consent_app: typer.Typer) -> None:
    app.command("seed")(seed)
    app.command("demo-accounts")(demo_accounts)
    consent_app.command("seed")(consent_seed)
