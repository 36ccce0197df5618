"""`consentry seed`: generate a synthetic network."""

from __future__ import annotations

import typer

from consentry.commands.context import settings, store_engine
from consentry.errors import ConsentryError


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
    if stats is None:  # pragma: no cover - generate_network raises on refusal
        raise ConsentryError("nothing was generated")
    typer.echo(stats.summary())


def register(app: typer.Typer) -> None:
    app.command("seed")(seed)
