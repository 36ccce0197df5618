"""`consentry export` and `consentry import linkedin-export`: data portability.

consentry export alice --output alice.zip
consentry import linkedin-export Basic_LinkedInDataExport.zip --member alice
consentry import linkedin-export export.zip --email ann@example.org --create --region DE
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from consentry.commands.context import find_member, settings, store_engine
from consentry.errors import InvalidInput
from consentry.network.accounts import hash_password
from consentry.network.linkedin_import import (
    ImportReport,
    ParsedArchive,
    create_member,
    import_into,
    read_archive,
)
from consentry.network.linkedin_import import Progress as ImportProgress
from consentry.regions import normalise_region
from consentry.rights.export import export_archive
from consentry.store.engine import session_scope

importer = typer.Typer(help="Import data from elsewhere.", no_args_is_help=True)


def export(
    member: str = typer.Argument(..., help="The member's id, handle or email."),
    output: Path = typer.Option(..., "--output", "-o", help="The zip file to write."),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", "--base-url", help="The site address profile links use."
    ),
) -> None:
    """Write a member's data export (LinkedIn-layout CSV files plus AI-use files)."""
    engine = store_engine(settings())
    with session_scope(engine) as session:
        archive = export_archive(session, find_member(session, member).id, base_url=base_url)
    tmp = output.with_name(output.name + ".part")
    tmp.write_bytes(archive.data)
    tmp.replace(output)  # never leave half a zip behind
    typer.echo(
        f"wrote {output} ({len(archive.data):,} bytes, {archive.files} files) for {archive.handle}"
    )


@importer.command("linkedin-export")
def import_linkedin(
    file: Path = typer.Argument(..., help="The .zip LinkedIn (or Consentry) exported."),
    member: str | None = typer.Option(None, "--member", help="Fill this member's profile."),
    email: str | None = typer.Option(None, "--email", help="With --create: the new account."),
    create: bool = typer.Option(False, "--create", help="Create a new account from the archive."),
    region: str | None = typer.Option(None, "--region", help="With --create: e.g. DE, US-CA."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="With --create: YYYY-MM-DD."),
) -> None:
    """Create or fill a profile from a LinkedIn data export; report what was imported."""
    if (member is None) == (not create):
        raise InvalidInput("give either --member M, or --email E --create")
    if create and not email:
        raise InvalidInput("--create needs --email for the new account")
    if region is not None:
        region = normalise_region(region)  # refused before anything is read or written
    born = None
    if birth_date:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            raise InvalidInput(f"--birth-date {birth_date!r} is not YYYY-MM-DD") from None
    with _progress() as bar:
        # Read (streamed from the file, refused past a limit) before anything is written.
        reading = bar.add_task("reading", total=None)
        parsed = read_archive(
            file, progress=lambda done, total: bar.update(reading, completed=done, total=total)
        )
        engine = store_engine(settings())
        writing = bar.add_task("importing", total=None)
        with session_scope(engine) as session:  # one transaction: all of it, or nothing
            report, handle, password = _import(
                session,
                parsed,
                member=member,
                email=email if create else None,
                region=region,
                birth_date=born,
                progress=lambda done, total: bar.update(writing, completed=done, total=total),
            )
    for f in report.files:
        typer.echo(f"{f.name}: {f.imported} imported, {len(f.skipped)} skipped")
        for number, why in f.skipped:
            typer.echo(f"  row {number}: {why}")
        if f.note:
            typer.echo(f"  {f.note}")
    for name in report.missing:
        typer.echo(f"not in the archive: {name}")
    if report.ignored:
        typer.echo(f"ignored {len(report.ignored)} other file(s)")
    typer.echo(f"imported {report.imported} item(s) into {handle}")
    if password:
        typer.echo(
            f"created {handle} <{email}>; first password: {password} "
            "(change it after logging in, at /account/security)"
        )


def _progress() -> Progress:
    """Bars for reading and importing, on stderr, shown only on a terminal."""
    err = Console(stderr=True)
    return Progress(
        TextColumn("{task.description:>9}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _import(
    session: Session,
    parsed: ParsedArchive,
    *,
    member: str | None,
    email: str | None,
    region: str | None,
    birth_date: date | None,
    progress: ImportProgress,
) -> tuple[ImportReport, str, str | None]:
    """Into `member`, or a new account for `email`: (report, handle, first password)."""
    password = None
    if email is not None:
        password = secrets.token_urlsafe(12)
        row = create_member(
            session,
            parsed,
            email=email,
            password_hash=hash_password(password),
            region=region,
            birth_date=birth_date,
        )
    else:
        row = find_member(session, member or "")
    return import_into(session, parsed, member_id=row.id, progress=progress), row.handle, password


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.add_typer(importer, name="import")
