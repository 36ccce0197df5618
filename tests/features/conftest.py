"""A small real network with consent choices, datasets built, and models trained."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consentry.config import load_settings
from consentry.consent.choices import seed_choices
from consentry.consent.ledger import ledger_session
from consentry.consent.record import record_choice
from consentry.consent.versions import ensure_default_policy
from consentry.network.generate import generate_network
from consentry.store.engine import session_scope
from consentry.store.tables import Member


@pytest.fixture
def settings(settings_env, db_url, monkeypatch):
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", db_url)
    return load_settings()


@pytest.fixture
def sqlite_settings(settings_env, sqlite_engine, monkeypatch):
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", str(sqlite_engine.url))
    return load_settings()


@pytest.fixture
def seeded():
    return seed


def seed(engine, settings, *, members: int = 200, seed: int = 5, recruiters_consent=False):
    """A generated network, the default policy and a seeded mix of choices; optionally
    every recruiter also allows train-ai (postings are rare in small networks)."""
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)
    generate_network(engine, members=members, seed=seed)
    seed_choices(engine, seed=seed)
    if recruiters_consent:
        with session_scope(engine) as s:
            ids = s.scalars(select(Member.id).where(Member.role == "recruiter")).all()
        with ledger_session(engine) as s:
            for member in ids:
                record_choice(s, member, "train-ai", "grant", source="settings", actor="member")
