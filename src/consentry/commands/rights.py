"""`consentry withdraw / erase / propagate / worker` and `consentry receipts list / show / verify / jwks`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Column, Table

from consentry.commands.context import find_member, settings, store_engine
from consentry.errors import Conflict, InvalidInput
from consentry.store.engine import session_scope

receipts_app = typer.Typer(
    help="Propagation receipts: list, show, verify, jwks.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)


def _member_id(session, ref: str) -> int:
    return find_member(session, ref, live=False).id


def _report(outcome) -> None:
    colour = "green" if outcome.status == "done" else "red"
    out.print(f"[{colour}]{outcome.summary()}[/{colour}]")


def withdraw_cmd(
    member: str = typer.Argument(..., help="Member handle or id."),
    purpose: str = typer.Argument(..., help="Purpose withdrawn, e.g. train-genai."),
    object_: bool = typer.Option(
        False, "--object", help="Record an objection (legitimate-interest purposes)."
    ),
    source: str = typer.Option("admin", "--source", help="settings, api, gpc, import or admin."),
    actor: str = typer.Option("operator", "--actor", help="Who made the request."),
    now: bool = typer.Option(False, "--now", help="Propagate at once instead of queueing."),
) -> None:
    """Withdraw a member's consent to a purpose and queue its propagation."""
    from consentry.rights.withdrawal import withdraw
    from consentry.rights.worker import propagate_now

    cfg = settings()
    db = store_engine(cfg)
    try:
        with session_scope(db) as session:
            member_id = _member_id(session, member)
        action = "object" if object_ else "withdraw"
        request = withdraw(db, cfg, member_id, purpose, source=source, actor=actor, action=action)
        out.print(
            f"recorded {action} of {purpose} for member {member_id} at ledger entry "
            f"{request.entry.seq}; propagation job {request.job_id} queued"
        )
        if now:
            outcome = propagate_now(db, cfg, request.job_id)
            if outcome is None:
                out.print("another worker is propagating for this member; it will finish there")
            else:
                _report(outcome)
    finally:
        db.dispose()


def erase_cmd(
    member: str = typer.Argument(..., help="Member handle or id."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: this cannot be undone."),
    source: str = typer.Option("admin", "--source", help="settings, api, gpc, import or admin."),
    actor: str = typer.Option("operator", "--actor", help="Who made the request."),
    now: bool = typer.Option(False, "--now", help="Propagate at once instead of queueing."),
) -> None:
    """Erase a member: account, content, and (by propagation) every dataset and model."""
    from consentry.rights.erasure import erase
    from consentry.rights.worker import propagate_now

    if not yes:
        raise InvalidInput("erasure cannot be undone: add --yes to confirm")
    cfg = settings()
    db = store_engine(cfg)
    try:
        with session_scope(db) as session:
            member_id = _member_id(session, member)
        request = erase(db, cfg, member_id, source=source, actor=actor)
        out.print(
            f"erased member {member_id} (ledger entry {request.entry.seq}); "
            f"propagation job {request.job_id} queued"
        )
        if now:
            outcome = propagate_now(db, cfg, request.job_id)
            if outcome is not None:
                _report(outcome)
    finally:
        db.dispose()


def propagate_cmd(
    once: bool = typer.Option(False, "--once", help="Process one job, then stop."),
    watch: bool = typer.Option(False, "--watch", help="Keep watching the queue (Ctrl-C stops)."),
    poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between polls (--watch)."),
) -> None:
    """Carry out queued propagations (by default until the queue is empty)."""
    from consentry.rights.worker import run_worker

    if once and watch:
        raise InvalidInput("--once and --watch cannot be combined")
    cfg = settings()
    db = store_engine(cfg)
    try:
        outcomes = run_worker(
            db, cfg, once=not watch, poll=poll, limit=1 if once else None, report=_report
        )
    finally:
        db.dispose()
    if not outcomes:
        out.print("nothing to propagate")
    elif any(o.status != "done" for o in outcomes):
        raise typer.Exit(1)


def worker_cmd(
    poll: float = typer.Option(0.5, "--poll", min=0.05, help="Seconds between polls."),
) -> None:
    """Carry out propagations as they are queued, until stopped.

    SIGTERM or Ctrl-C returns the running job to the queue; a job left running by a
    worker that was killed is taken over."""
    import os

    from consentry.rights.worker import StopRequested, run_worker, stop_on_signals

    cfg = settings()
    db = store_engine(cfg)
    out.print(f"propagation worker {os.getpid()} is watching the queue")
    try:
        with stop_on_signals() as stop:
            run_worker(
                db, cfg, poll=poll, report=_report, hook=stop.check, should_stop=stop.requested
            )
            stop.check()  # a stop whose exception was dropped still ends here, said as one
    except StopRequested as stop:
        out.print(f"propagation worker {os.getpid()} stopped ({stop}); no job left running")
    finally:
        db.dispose()


@receipts_app.command("list")
def receipts_list(member: str = typer.Argument(..., help="Member handle or id.")) -> None:
    """A member's receipts, oldest first."""
    from consentry.rights.receipts import member_receipts

    db = store_engine()
    try:
        with session_scope(db) as session:
            docs = member_receipts(session, _member_id(session, member))
    finally:
        db.dispose()
    # The id is what `receipts show` takes: never shortened, whatever the terminal width.
    receipt = Column("receipt", no_wrap=True, min_width=28)
    table = Table(receipt, "issued", "kind", "purpose", "datasets", "models", "seconds")
    for d in docs:
        table.add_row(
            d["id"],
            d["issued_at"][:19],
            d["kind"],
            d["purpose"],
            str(len(d["datasets"])),
            str(len(d["models"])),
            f"{d['timings']['seconds_to_receipt']:.2f}",
        )
    out.print(table)


@receipts_app.command("show")
def receipts_show(
    receipt_id: str = typer.Argument(..., help="Receipt id."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the JSON here."),
) -> None:
    """A receipt as issued (signed JSON), to the terminal or a file."""
    from consentry.rights.receipts import get_receipt

    db = store_engine()
    try:
        with session_scope(db) as session:
            document = get_receipt(session, receipt_id)
    finally:
        db.dispose()
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")
        out.print(f"wrote {output}")


@receipts_app.command("verify")
def receipts_verify(
    ref: str = typer.Argument(..., help="A receipt JSON file, or a receipt id."),
    jwks: Path | None = typer.Option(
        None,
        "--jwks",
        help="Verify offline against this JWKS file (from /.well-known/jwks.json or "
        "`receipts jwks`): no data folder, database or secret needed.",
    ),
    artifacts: bool = typer.Option(
        True, "--artifacts/--signature-only", help="Also check each named artifact now."
    ),
) -> None:
    """Check a receipt's signature (and, on the server, that what it names is as it says)."""
    if jwks is not None:
        _verify_offline(Path(ref), jwks)
        return
    from consentry.keys import Keyring
    from consentry.rights.receipt_signing import verify_on_server
    from consentry.rights.receipts import check_artifacts, get_receipt, load_file

    cfg = settings()
    path = Path(ref)
    from_file = path.suffix == ".json" or path.exists()
    document = load_file(path) if from_file else None
    db = store_engine(cfg) if artifacts or document is None else None
    try:
        if document is None:
            assert db is not None  # opened above whenever there is no file
            with session_scope(db) as session:
                document = get_receipt(session, ref)
        check = verify_on_server(document, Keyring.load(cfg))
        if not check.ok:
            raise Conflict(f"receipt {document.get('id', ref)} is NOT valid: {check.problem}")
        label = " (legacy HMAC receipt, server-verifiable only)" if check.legacy else ""
        out.print(f"[green]signature valid[/green]: receipt {document['id']}{label}")
        if db is not None and artifacts:
            with session_scope(db) as session:
                lines = check_artifacts(session, document)
            for line in lines:
                out.print(("[red]" if line.startswith("MISMATCH") else "  ") + line)
            if any(line.startswith("MISMATCH") for line in lines):
                raise Conflict("the database no longer matches what the receipt names")
    finally:
        if db is not None:
            db.dispose()


def _verify_offline(path: Path, jwks_path: Path) -> None:
    """Signature only, with the public keys alone: reads two files, nothing else."""
    from consentry.rights.receipt_signing import load_jwks, verify
    from consentry.rights.receipts import load_file

    if not (path.suffix == ".json" or path.exists()):
        raise InvalidInput("--jwks verifies a receipt file; give the path of its JSON")
    document = load_file(path)
    check = verify(document, load_jwks(jwks_path))
    if not check.ok:
        raise Conflict(f"receipt {document.get('id', path)} is NOT valid: {check.problem}")
    out.print(
        f"[green]signature valid[/green]: receipt {document['id']}, key {check.key_id} "
        "(the artifacts it names can be checked only on the issuing server)"
    )


@receipts_app.command("jwks")
def receipts_jwks(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the JWKS here."),
) -> None:
    """The public keys receipts are signed with (current and retired), as a JWKS."""
    from consentry.keys import Keyring
    from consentry.rights.receipt_signing import public_keys

    text = json.dumps(public_keys(Keyring.load(settings())), indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")
        out.print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("withdraw")(withdraw_cmd)
    app.command("erase")(erase_cmd)
    app.command("propagate")(propagate_cmd)
    app.command("worker")(worker_cmd)
    app.add_typer(receipts_app, name="receipts")
