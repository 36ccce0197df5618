"""`consentry datasets build / list / show / audit`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from consentry.commands.context import settings, store_engine
from consentry.store.engine import session_scope

datasets_app = typer.Typer(
    help="Build, list, show and audit training datasets.", no_args_is_help=True
)


@datasets_app.command("build")
def build(
    purpose: str = typer.Option(..., "--purpose", help="The purpose the dataset is for."),
    as_of: int | None = typer.Option(
        None, "--as-of", min=0, help="Ledger position to build as of (default: the head now)."
    ),
    shards: int = typer.Option(4, "--shards", min=1, max=4096, help="Member shards."),
    engine: str = typer.Option("duckdb", "--engine", help="Dataset engine: duckdb or spark."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would be built; write nothing."
    ),
) -> None:
    """Build a consented, scrubbed dataset version, sharded by member."""
    from consentry.datasets.build import build_dataset

    cfg = settings()
    db = store_engine(cfg)
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(f"building {purpose}", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = build_dataset(
                db,
                cfg,
                purpose=purpose,
                as_of=as_of,
                shards=shards,
                engine=engine,
                dry_run=dry_run,
                progress=tick,
            )
    finally:
        db.dispose()
    typer.echo(result.summary())
    if result.path:
        typer.echo(f"published at {result.path}")


@datasets_app.command("list")
def list_(purpose: str | None = typer.Option(None, "--purpose", help="Only this purpose.")) -> None:
    """Every dataset version, newest first: active, pinned (kept active by an active
    model), retired or reproduction, and whether its data files are kept."""
    from consentry.datasets.catalog import list_datasets
    from consentry.datasets.lifecycle import reconcile, standings

    cfg = settings()
    db = store_engine(cfg)
    try:
        # What a crashed build left is swept first, so the list is what the registry holds.
        reconcile(db, cfg)
        with session_scope(db) as session:
            rows = list_datasets(session, purpose=purpose)
            standing = standings(session, cfg, rows)
    finally:
        db.dispose()
    table = Table(
        "id", "purpose", "status", "as of", "policy", "shards", "records", "members", "files"
    )
    for d in rows:
        table.add_row(
            d.id,
            d.purpose,
            standing[d.id].label,
            str(d.as_of_seq),
            str(d.policy_version),
            str(d.shards),
            f"{d.records:,}",
            f"{d.members:,}",
            standing[d.id].files,
        )
    Console(width=200).print(table if rows else "no dataset versions yet")


@datasets_app.command("show")
def show(dataset_id: str = typer.Argument(..., help="A dataset version id.")) -> None:
    """A dataset version's manifest."""
    from consentry.datasets.catalog import get_dataset

    cfg = settings()
    db = store_engine(cfg)
    try:
        with session_scope(db) as session:
            dataset = get_dataset(session, dataset_id)
    finally:
        db.dispose()
    manifest = dataset.manifest(cfg.data_dir)
    typer.echo(json.dumps({"status": dataset.status, **manifest}, indent=2))


@datasets_app.command("audit")
def audit(
    dataset_id: str | None = typer.Argument(None, help="A dataset version id."),
    everything: bool = typer.Option(
        False, "--all", help="Every dataset in use and every active model."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the audit document as JSON."),
) -> None:
    """Re-derive every record independently of the build, check what is in use against
    every member's present state, re-scan for personal data; exit 1 on any violation."""
    from consentry.datasets.audit import audit_all, audit_dataset
    from consentry.errors import InvalidInput

    if (dataset_id is None) == (not everything):
        raise InvalidInput("give a dataset version id or --all (not both)")
    cfg = settings()
    db = store_engine(cfg)
    try:
        report = audit_all(db, cfg) if everything else audit_dataset(db, cfg, dataset_id or "")
    finally:
        db.dispose()
    if as_json:
        typer.echo(report.document().model_dump_json(indent=2))
    else:
        for f in report.all_findings():
            typer.echo(f"VIOLATION [{f.check}/{f.kind}] {f.message}")
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
