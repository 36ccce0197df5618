"""A generated network for the operator, AI-feature and browser tests: the four demo
accounts plus synthetic members, the default policy, seeded choices and real datasets.

Everything is built through the project's own APIs (generator, ledger, dataset builds),
so what the pages show is what the real system produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from consentry.config import Settings
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.store.engine import session_scope
from consentry.store.tables import Member
from consentry.synthetic.choices import seed_choices
from consentry.synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, write_tour
from consentry.synthetic.generate import generate_network

DEMO = {a.role if a.role != "member" else a.region: a for a in DEMO_ACCOUNTS}
LENA = DEMO["DE"]  # member in Germany, Premium
MAYA = DEMO["US-CA"]  # member in California, not Premium
RAVI = DEMO["recruiter"]
OPS = DEMO["admin"]


@dataclass
class World:
    engine: Engine
    settings: Settings
    datasets: dict[str, str]  # purpose -> dataset id

    def member_id(self, email: str) -> int:
        with session_scope(self.engine) as session:
            return session.scalar(select(Member.id).where(Member.email == email))


def settings_for(engine: Engine, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=engine.url.render_as_string(False))


def build_world(
    engine: Engine,
    data_dir: Path,
    *,
    members: int = 60,
    seed: int = 3,
    purposes: tuple[str, ...] = ("train-ai",),
    shards: int = 2,
) -> World:
    """Generate, seed choices and build one dataset per purpose in `purposes`."""
    settings = settings_for(engine, data_dir)
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)
    generate_network(engine, members=members, seed=seed)
    write_tour(data_dir)
    seed_choices(engine, seed=seed)
    built = {
        p: build_dataset(engine, settings, purpose=p, shards=shards).dataset_id for p in purposes
    }
    return World(engine, settings, built)


def log_in_form(client, email: str, password: str = DEMO_PASSWORD):
    """Log in through the form (as the web tests' `log_in`, with the demo password)."""
    from web.helpers import log_in

    response = log_in(client, email, password)
    assert response.status_code == 303, response.text
    return client


def grant(engine: Engine, member_ids, purpose: str, *, action: str = "grant") -> None:
    """Record each member granting (or `action`) `purpose` through the ledger, as the
    settings page does."""
    from consentry.consent.ledger import ledger_session
    from consentry.consent.record import record_choice

    with ledger_session(engine) as session:
        for member_id in member_ids:
            record_choice(
                session, member_id, purpose, action, source="settings", actor=f"member:{member_id}"
            )


FEATURE_MODELS = ("skills", "phrasing", "match", "retrieval")


def build_trained_world(engine: Engine, data_dir: Path, *, members: int = 150) -> World:
    """A world in which the demo accounts can use every AI feature: every recruiter and
    Lena allow train-ai (so postings reach the chatbot's index), Lena allows recruiter-ai
    (Maya does not), both datasets are built and every built-in model is trained."""
    from consentry.training.sisa import train_feature

    settings = settings_for(engine, data_dir)
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)
    generate_network(engine, members=members, seed=5)
    write_tour(data_dir)
    seed_choices(engine, seed=5)
    with session_scope(engine) as session:
        recruiters = session.scalars(select(Member.id).where(Member.role == "recruiter")).all()
        lena = session.scalar(select(Member.id).where(Member.email == LENA.email))
        maya = session.scalar(select(Member.id).where(Member.email == MAYA.email))
    grant(engine, [*recruiters, lena], "train-ai")
    grant(engine, [maya], "recruiter-ai", action="withdraw")
    grant(engine, [lena], "train-genai")
    grant(engine, [lena], "recruiter-ai")
    built = {
        p: build_dataset(engine, settings, purpose=p, shards=2).dataset_id
        for p in ("train-ai", "train-genai")
    }
    for feature in FEATURE_MODELS:
        train_feature(engine, settings, feature)
    return World(engine, settings, built)
