"""`consentry train`, `consentry models list/show/members/containing`, `consentry assist
profile/job-post/outreach` and `consentry chat` — thin over training/ and features/."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import typer
from rich.console import Console

from consentry.commands.context import find_member, settings, store_engine
from consentry.store.engine import session_scope

# Every built-in model, the writer LM's adapters last (they take minutes per shard).
FEATURES = ("skills", "phrasing", "match", "retrieval", "writer-lm")
models_app = typer.Typer(help="The model registry: versions, lineage.", no_args_is_help=True)
assist_app = typer.Typer(help="The AI writing features.", no_args_is_help=True)


def train(
    feature: str | None = typer.Option(None, "--feature", help="One model: " + ", ".join(FEATURES)),
    all_: bool = typer.Option(False, "--all", help="Train every built-in model."),
    dataset: str | None = typer.Option(None, "--dataset", help="Dataset version to train on."),
    seed: int = typer.Option(0, "--seed", help="Training seed."),
) -> None:
    """Train built-in models, one sub-model per dataset shard, and activate them."""
    from consentry.errors import InvalidInput
    from consentry.training.sisa import train_feature

    if all_:
        names: tuple[str, ...] = FEATURES
    elif feature:
        names = (feature,)
    else:
        raise InvalidInput("say which model: --feature NAME or --all")
    cfg = settings()
    db = store_engine(cfg)
    try:
        for name in names:
            model = train_feature(
                db, cfg, name, dataset_id=dataset if not all_ else None, seed=seed
            )
            typer.echo(f"trained {model.id} on {model.dataset_id} ({model.shards} shards)")
    finally:
        db.dispose()


def _print_model(m) -> None:
    typer.echo(
        f"{m.id}  {m.feature:<9} {m.status:<10} dataset {m.dataset_id}  shards {m.shards}  "
        f"created {m.created_at:%Y-%m-%d %H:%M:%S}"
    )


@models_app.command("list")
def list_(feature: str | None = typer.Option(None, "--feature")) -> None:
    """Model versions, newest first."""
    from consentry.training.registry import list_models

    db = store_engine(settings())
    with session_scope(db) as s:
        for m in list_models(s, feature=feature):
            _print_model(m)


@models_app.command("show")
def show(model_id: str) -> None:
    """One model version: dataset, sub-models with hashes, metrics (JSON)."""
    from consentry.training.registry import get_model

    cfg = settings()
    db = store_engine(cfg)
    with session_scope(db) as s:
        m = get_model(s, model_id)
    data = asdict(m)
    data["path"] = str(cfg.data_dir / m.location)
    typer.echo(json.dumps(data, indent=2, default=str))


@models_app.command("members")
def members(model_id: str) -> None:
    """The members a model version was trained on (from its dataset's lineage)."""
    from consentry.training.registry import members_in

    db = store_engine(settings())
    with session_scope(db) as s:
        for member in members_in(s, model_id):
            typer.echo(member)


@models_app.command("containing")
def containing(member: str = typer.Argument(..., help="Member handle, id or email.")) -> None:
    """Active model versions trained on a member's records."""
    from consentry.training.registry import models_containing

    db = store_engine(settings())
    with session_scope(db) as s:
        for m in models_containing(s, find_member(s, member, live=False).id):
            _print_model(m)


@assist_app.command("profile")
def assist_profile(
    member: str = typer.Argument(..., help="Member handle, id or email."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """A headline, an about section and missing skills for a member's own profile."""
    from consentry.features.profile_assistant import assist_profile as run

    cfg = settings()
    db = store_engine(cfg)
    with session_scope(db) as s:
        d = run(s, cfg, find_member(s, member).id, seed=seed)
    typer.echo(f"Headline: {d.headline}\n\nAbout: {d.about}\n")
    typer.echo(f"Missing skills: {', '.join(d.missing_skills)}")
    typer.echo(f"Uses: {', '.join(d.uses.purposes)} - {d.uses.data}")


@assist_app.command("job-post")
def job_post(
    title: str = typer.Option(..., "--title"),
    company: str = typer.Option(..., "--company"),
    location: str = typer.Option("", "--location"),
    skill: list[str] = typer.Option([], "--skill", help="A skill (repeatable)."),
) -> None:
    """A complete job posting from a title, company, location and a few skills."""
    from consentry.features.job_posts import write_job_post

    cfg = settings()
    db = store_engine(cfg)
    with session_scope(db) as s:
        d = write_job_post(s, cfg, title=title, company=company, location=location, skills=skill)
    typer.echo(d.text)


@assist_app.command("outreach")
def outreach(
    job: int = typer.Option(..., "--job", help="One of the recruiter's own live job postings."),
    candidate: str = typer.Option(..., "--candidate", help="Candidate handle, id or email."),
    recruiter: str = typer.Option(
        ..., "--recruiter", help="The recruiter drafting it: handle, id or email."
    ),
) -> None:
    """An outreach draft for one of the recruiter's own jobs, only if the candidate
    allows recruiter-ai (the same rules as the recruiter pages and the API)."""
    from consentry.features.outreach import outreach_for

    cfg = settings()
    db = store_engine(cfg)
    with session_scope(db) as s:
        drafter = find_member(s, recruiter)
        _, d = outreach_for(s, cfg, drafter, job, find_member(s, candidate).handle)
    typer.echo(d.text)
    typer.echo(f"\n(fit {d.fit:.0%}; basis {d.basis})")


def chat(member: str = typer.Argument(..., help="Member handle, id or email.")) -> None:
    """Talk to the job-seeker chatbot: one message per line on stdin."""
    from consentry.features.chatbot import JobSeekerChat

    cfg = settings()
    db = store_engine(cfg)
    out = Console(soft_wrap=True)
    with session_scope(db) as s:
        conversation = JobSeekerChat(find_member(s, member).id)
    for line in sys.stdin:
        if not line.strip():
            continue
        with session_scope(db) as s:
            reply = conversation.reply(s, cfg, line)
        out.print(f"> {line.strip()}\n{reply.text}\n", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.add_typer(models_app, name="models")
    app.add_typer(assist_app, name="assist")
    app.command("chat")(chat)
