"""A small real network with datasets for train-genai and train-ai and every built-in model
trained on them; and a copy of one at another folder (artifact paths moved with it)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, update

from consentry.config import Settings
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.store import open_engine
from consentry.store.dataset_tables import DatasetLineageRow, DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.training_tables import ModelVersionRow
from consentry.synthetic.choices import seed_choices
from consentry.synthetic.generate import generate_network
from consentry.training.sisa import train_feature

FEATURES = ("skills", "phrasing", "match", "retrieval")
SHARDS = 4


@dataclass
class Trained:
    """A seeded, trained network: its engine, settings and first dataset versions."""

    engine: Engine
    settings: Settings
    genai: str
    ai: str


def train_network(engine: Engine, settings: Settings, *, members: int = 120) -> Trained:
    """Seed a network with the default policy and choices, build both datasets, train all."""
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)
    generate_network(engine, members=members, seed=5)
    seed_choices(engine, seed=5)
    genai = build_dataset(engine, settings, purpose="train-genai", shards=SHARDS).dataset_id
    ai = build_dataset(engine, settings, purpose="train-ai", shards=SHARDS).dataset_id
    for feature in FEATURES:
        train_feature(engine, settings, feature)
    return Trained(engine, settings, genai, ai)


def members_of(engine: Engine, dataset_id: str) -> set[int]:
    with session_scope(engine) as s:
        return set(
            s.scalars(
                select(DatasetLineageRow.member_id).where(
                    DatasetLineageRow.dataset_id == dataset_id
                )
            )
        )


def member_in_both(net: Trained, *, skip: int = 0) -> int:
    """A member with records in both datasets (the `skip`-th such, by id)."""
    return sorted(members_of(net.engine, net.genai) & members_of(net.engine, net.ai))[skip]


def copy_trained(template: Path, dest: Path) -> Trained:
    """A private copy of the trained network at `dest`."""
    shutil.copytree(template / "data", dest / "data")
    data = dest / "data"
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'consentry.db'}")
    engine = open_engine(settings.database_url)
    old, new = str(template / "data"), str(data)
    with session_scope(engine) as s:
        for table in (DatasetVersionRow, ModelVersionRow):
            s.execute(update(table).values(path=_replace(table.path, old, new)))
        genai, ai = (
            s.scalars(
                select(DatasetVersionRow.id).where(
                    DatasetVersionRow.purpose == p, DatasetVersionRow.status == "active"
                )
            ).one()
            for p in ("train-genai", "train-ai")
        )
    return Trained(engine, settings, genai, ai)


def _replace(column, old: str, new: str):
    from sqlalchemy import func

    return func.replace(column, old, new)
