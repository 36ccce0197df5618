"""CLI for the consent area: `consentry policy`, `consentry consent`, `consentry ledger`.

Thin: each command parses its arguments, calls `consentry.consent`, and prints.
"""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from consentry.commands.context import find_member, settings, store_engine
from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.store.engine import session_scope
from consentry.store.tables import Member

policy_app = typer.Typer(
    help="Show, check, compare and publish consent policies.", no_args_is_help=True
)
consent_app = typer.Typer(help="Members' consent choices.", no_args_is_help=True)
ledger_app = typer.Typer(help="The hash-chained consent ledger.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)


def _member(session, ref: str) -> Member:
    return find_member(session, ref, live=False)


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise InvalidInput(f"not a date or time: {value!r} (use e.g. 2026-03-01)") from None


def _load(source: str, session=None):
    """A policy from a preset name, a file, or a published version (`v2` or `2`)."""
    from consentry.consent.policy import load_policy
    from consentry.consent.versions import versions

    ref = source[1:] if source.startswith("v") and source[1:].isdigit() else source
    if ref.isdigit() and session is not None:
        for v in versions(session):
            if v.version == int(ref):
                return v.policy
        raise NotFound(f"no policy version {ref} has been published")
    return load_policy(source)


# -- policy ---------------------------------------------------------------------------
@policy_app.command("show")
def policy_show(
    source: str = typer.Argument(
        None, help="Preset, file or published version; default: the policy in force."
    ),
) -> None:
    """Show a policy: purposes, rules, ages of consent, GPC mapping and content hash."""
    from consentry.consent.versions import announced, resolve_policy

    label = ""
    if source is None:
        engine = store_engine()
        with session_scope(engine) as session:
            active = resolve_policy(session)
            pol, label = (
                active.policy,
                f"version {active.version}, in force since {active.effective_at:%Y-%m-%d %H:%M} UTC",
            )
            for v in announced(session):
                label += f"; version {v.version} ({v.policy.name}) announced, applies {v.effective_at:%Y-%m-%d}"
        engine.dispose()
    else:
        pol = _load(source)
    out.print(
        f"[bold]{pol.name}[/bold] {label}\n{pol.description}\ncontent hash {pol.content_hash}"
    )
    table = Table("purpose", "title", "data classes", "aipref")
    for p in pol.purposes.values():
        table.add_row(p.key, p.title, ", ".join(p.data_classes), p.aipref or "-")
    out.print(table)
    rules = Table("where", "purposes", "basis", "from", "until")
    for r in pol.rules:
        rules.add_row(
            ", ".join(r.where),
            ", ".join(r.purposes),
            r.basis,
            str(r.start or ""),
            str(r.until or ""),
        )
    out.print(rules)
    ages = ", ".join(f"{k} {v}" for k, v in sorted(pol.minor_ages.items()))
    out.print(
        f"minors: under {pol.minor_default_age} never included"
        + (f"; by region: {ages}" if ages else "")
    )
    for g in pol.gpc:
        out.print(f"GPC in {', '.join(g.where)}: objects to {', '.join(g.purposes)}")


@policy_app.command("validate")
def policy_validate(path: str = typer.Argument(..., help="Policy file (or preset name).")) -> None:
    """Check a policy file; print its content hash when it is valid."""
    pol = _load(path)
    out.print(f"{path}: valid policy {pol.name}, content hash {pol.content_hash}")


@policy_app.command("diff")
def policy_diff(
    old: str = typer.Argument(..., help="Preset, file or published version (v2)."),
    new: str = typer.Argument(..., help="Preset, file or published version (v3)."),
    at: str = typer.Option(
        None, "--at", help="Leave out differences over before this date (default: none)."
    ),
) -> None:
    """List what changes from OLD to NEW, and when: always, from, until a date."""
    from consentry.consent.diff import diff_policies

    needs_db = any(s.lstrip("v").isdigit() for s in (old, new))
    if needs_db:
        engine = store_engine()
        with session_scope(engine) as session:
            a, b = _load(old, session), _load(new, session)
        engine.dispose()
    else:
        a, b = _load(old), _load(new)
    changes = diff_policies(a, b, at=_when(at))
    for change in changes:
        out.print(str(change))
    out.print(f"{len(changes)} change(s)")


@policy_app.command("publish")
def policy_publish(
    source: str = typer.Argument(..., help="Preset name or policy file."),
    notice_days: int = typer.Option(
        None, "--notice-days", help="Days of notice before it applies (default from settings)."
    ),
) -> None:
    """Publish a new policy version; it applies once its notice period has passed."""
    from consentry.consent.ledger import ledger_session
    from consentry.consent.versions import publish

    cfg = settings()
    pol = _load(source)
    days = cfg.notice_days if notice_days is None else notice_days
    engine = store_engine(cfg)
    try:
        with ledger_session(engine) as session:
            v = publish(session, pol, notice_days=days)
    finally:
        engine.dispose()
    widened = f"; consents to {', '.join(v.widened)} will need renewal" if v.widened else ""
    out.print(
        f"published {pol.name} as version {v.version}; it applies from {v.effective_at:%Y-%m-%d %H:%M} UTC{widened}"
    )


# -- consent --------------------------------------------------------------------------
@consent_app.command("set")
def consent_set(
    member: str = typer.Argument(..., help="Member handle or id."),
    purpose: str = typer.Argument(..., help="Purpose, e.g. train-genai."),
    action: str = typer.Argument(..., help="grant, withdraw or object."),
    source: str = typer.Option("admin", "--source", help="settings, api, gpc, import or admin."),
    actor: str = typer.Option("operator", "--actor", help="Who made the change."),
) -> None:
    """Record a member's choice in the ledger; a withdrawal or objection also queues its
    propagation to every dataset and model of the purpose (`consentry propagate`)."""
    from consentry.consent.decide import decide
    from consentry.consent.ledger import ledger_session
    from consentry.consent.record import record_choice
    from consentry.rights.withdrawal import withdraw

    cfg = settings()
    engine = store_engine(cfg)
    job_id = None
    try:
        with session_scope(engine) as session:
            m = _member(session, member)
        if action in ("withdraw", "object"):
            request = withdraw(
                engine, cfg, m.id, purpose, source=source, actor=actor, action=action
            )
            entry, job_id = request.entry, request.job_id
        else:
            with ledger_session(engine) as session:
                entry = record_choice(session, m.id, purpose, action, source=source, actor=actor)
        with session_scope(engine) as session:
            d = decide(session, m.id, purpose)
    finally:
        engine.dispose()
    out.print(
        f"recorded {action} of {purpose} for {m.handle} at ledger entry {entry.seq}: {d.reason}"
    )
    if job_id is not None:
        out.print(f"propagation queued as job {job_id}: run `consentry propagate`")


@consent_app.command("show")
def consent_show(
    member: str = typer.Argument(..., help="Member handle or id."),
    at: str = typer.Option(None, "--at", help="Decide as of this time (default now)."),
) -> None:
    """Show a member's decision for every purpose, with the reason."""
    from consentry.consent.decide import decide
    from consentry.consent.notices import pending_notices
    from consentry.consent.versions import resolve_policy

    engine = store_engine()
    try:
        with session_scope(engine) as session:
            m = _member(session, member)
            when = _when(at)
            active = resolve_policy(session, when)
            table = Table("purpose", "allowed", "basis", "reason")
            for key in active.policy.purposes:
                d = decide(session, m, key, at=when, policy=active)
                table.add_row(key, "yes" if d.allowed else "no", d.basis, d.reason)
            out.print(f"{m.handle} ({m.region}) under policy {active.label}")
            out.print(table)
            for n in pending_notices(session, m, when):
                if n.affects_member:
                    out.print(
                        f"notice: version {n.version} ({n.name}) applies from {n.effective_at:%Y-%m-%d}:"
                    )
                    for c in n.changes:
                        out.print(f"  {c.summary}")
    finally:
        engine.dispose()


@consent_app.command("history")
def consent_history(member: str = typer.Argument(..., help="Member handle or id.")) -> None:
    """List a member's ledger entries, oldest first."""
    from consentry.consent.ledger import history

    engine = store_engine()
    try:
        with session_scope(engine) as session:
            m = _member(session, member)
            table = Table(
                "seq", "time (UTC)", "purpose", "action", "source", "policy", "notice", "actor"
            )
            for e in history(session, member_id=m.id):
                table.add_row(
                    str(e.seq),
                    f"{e.occurred_at:%Y-%m-%d %H:%M:%S}",
                    e.purpose,
                    e.action,
                    e.source,
                    str(e.policy_version),
                    str(e.notice_version or ""),
                    e.actor,
                )
            out.print(table)
    finally:
        engine.dispose()


# -- ledger ---------------------------------------------------------------------------
@ledger_app.command("verify")
def ledger_verify(
    anchor: list[str] = typer.Option(
        None, "--anchor", help="SEQ:HASH recorded elsewhere (repeatable)."
    ),
) -> None:
    """Check the ledger: its chain and seals, every head recorded of it (checkpoints,
    dataset manifests, receipts), the current-state table and the append-only triggers."""
    from consentry.rights.ledger_audit import audit

    anchors = []
    for a in anchor or []:
        seq, _, digest = a.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise InvalidInput(f"an anchor is SEQ:HASH (64 hex digits), not {a!r}")
        anchors.append((int(seq), digest))
    cfg = settings()
    engine = store_engine(cfg)
    try:
        with session_scope(engine) as session:
            result = audit(session, cfg, anchors=anchors)
    finally:
        engine.dispose()
    if not result.ok:
        more = "".join(f"\n  {p}" for p in result.problems[1:])
        raise Conflict(f"the ledger does not verify: {result.problems[0]}{more}")
    chain = result.chain
    out.print(
        f"ledger verified: {chain.entries} entries, head {chain.head_seq} {chain.head_hash}; "
        f"{result.heads_checked} recorded heads agree ({result.checkpoints} checkpoints)"
    )
    if result.sealed:
        out.print(result.sealed)


@ledger_app.command("checkpoint")
def ledger_checkpoint() -> None:
    """Sign the ledger's head and append it to the checkpoint file (run it on a timer)."""
    from consentry.consent import checkpoints

    cfg = settings()
    engine = store_engine(cfg)
    try:
        with session_scope(engine) as session:
            written = checkpoints.write(session, cfg, checkpoints.Reason.INTERVAL)
    finally:
        engine.dispose()
    out.print(
        f"checkpoint of entry {written['seq']} {written['hash']} written to {checkpoints.path(cfg)}"
    )


@ledger_app.command("seal")
def ledger_seal_command() -> None:
    """Seal the entries written before entries were sealed (once; `consentry init` does it)."""
    from consentry.consent.ledger import ledger_session
    from consentry.consent.ledger_seal import seal_existing

    cfg = settings()
    engine = store_engine(cfg)
    try:
        with ledger_session(engine) as session:
            done = seal_existing(session, cfg)
    finally:
        engine.dispose()
    if done is None:
        out.print("the ledger was already sealed; nothing to do")
    elif done.sealed:
        out.print(f"sealed ledger entries 1-{done.upto} ({done.sealed} entries)")
    else:
        out.print("no entry needed sealing; sealing recorded")


@ledger_app.command("rebuild-state")
def ledger_rebuild_state() -> None:
    """Recompute the current-state table from the ledger."""
    from consentry.consent.ledger import ledger_session
    from consentry.consent.state import rebuild

    engine = store_engine()
    try:
        with ledger_session(engine) as session:
            rows = rebuild(session)
    finally:
        engine.dispose()
    out.print(f"current state rebuilt from the ledger: {rows} rows")


def register(app: typer.Typer) -> None:
    """Add this area's commands to `app`."""
    app.add_typer(policy_app, name="policy")
    app.add_typer(consent_app, name="consent")
    app.add_typer(ledger_app, name="ledger")
