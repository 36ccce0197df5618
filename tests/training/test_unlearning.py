"""Unlearning is exact: after a withdrawal, every retrained model version equals one
trained from scratch on the successor dataset with the same seed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sqlalchemy import func, select

from consentry.consent.ledger import ledger_session
from consentry.consent.record import record_choice
from consentry.datasets.build import build_dataset
from consentry.datasets.successor import build_successor
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope
from consentry.training.artifacts import load_arrays
from consentry.training.models.match import Candidate, Target, features
from consentry.training.registry import members_in, models_containing, models_trained_on
from consentry.training.sisa import load_model, retrain_successor, train_feature

FEATURES = ("skills", "phrasing", "match", "retrieval")
SEED = 7


def _member_in_both(engine, ai: str, genai: str) -> int:
    """A member with records in both datasets, preferring one with a job posting."""
    with session_scope(engine) as s:
        both = (
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id.in_([ai, genai]))
            .group_by(DatasetLineageRow.member_id)
            .having(func.count(func.distinct(DatasetLineageRow.dataset_id)) == 2)
        )
        counts = s.execute(
            select(DatasetLineageRow.member_id, func.count())
            .where(DatasetLineageRow.dataset_id == ai, DatasetLineageRow.member_id.in_(both))
            .group_by(DatasetLineageRow.member_id)
            .order_by(func.count().desc(), DatasetLineageRow.member_id)
        ).all()
    return counts[0][0]


def _probe(feature: str, model):
    if feature == "skills":
        probes = [
            (["Data Engineer"], "Information Technology"),
            (["Nurse"], "Hospital & Health Care"),
            (["Chief Financial Officer"], "Financial Services"),
        ]
        return [model.suggest(t, i, k=10) for t, i in probes] + [model.most_popular(k=10)]
    if feature == "phrasing":
        return {
            kind: model.usable(kind, k=1) for kind in ("headline", "about", "post")
        }, model.guard.tolist()
    if feature == "match":
        X = np.array(
            [
                features(
                    Candidate(("Data Engineer",), ("Python", "SQL"), "US"),
                    Target("Data Engineer", ("Python", "Spark"), "US"),
                ),
                features(
                    Candidate(("Nurse",), ("triage",), "DE"),
                    Target("Data Engineer", ("Python",), "US"),
                ),
            ]
        )
        return model.probability(X).tolist()
    return [
        [(p.record_id, s) for p, s in model.search(q, k=10)]
        for q in ("engineer", "sales manager python", "nurse")
    ]


@pytest.mark.slow
def test_every_model_unlearns_exactly(sqlite_engine, sqlite_settings, seeded):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=220, recruiters_consent=True)
    ai = build_dataset(engine, settings, purpose="train-ai", shards=4).dataset_id
    genai = build_dataset(engine, settings, purpose="train-genai", shards=4).dataset_id
    before = {f: train_feature(engine, settings, f, seed=SEED) for f in FEATURES}
    member = _member_in_both(engine, ai, genai)
    with session_scope(engine) as s:
        assert {m.feature for m in models_containing(s, member)} == set(FEATURES)
        assert member in members_in(s, before["skills"].id)

    with ledger_session(engine) as s:
        for purpose in ("train-ai", "train-genai"):
            record_choice(s, member, purpose, "withdraw", source="settings", actor="member")
    retrained = {}
    for parent in (ai, genai):
        succession = build_successor(
            engine, settings, parent, member_ids=(member,), reason="withdraw"
        )
        with session_scope(engine) as s:
            trained_on = models_trained_on(s, parent)
        assert trained_on
        for model in trained_on:
            new = retrain_successor(
                engine,
                settings,
                model.id,
                dataset_id=succession.successor_id,
                shards=succession.rebuilt_shards,
            )
            retrained[model.feature] = (new, succession)
            # Resumed propagation: asking again returns the same version, trains nothing.
            again = retrain_successor(
                engine,
                settings,
                model.id,
                dataset_id=succession.successor_id,
                shards=succession.rebuilt_shards,
            )
            assert again.id == new.id
    assert set(retrained) == set(FEATURES)
    with session_scope(engine) as s:
        assert models_containing(s, member) == []

    for feature, (new, succession) in retrained.items():
        scratch = train_feature(
            engine, settings, feature, dataset_id=succession.successor_id, seed=SEED
        )
        (rebuilt,) = succession.rebuilt_shards
        for shard in range(4):
            a, b = (
                new.artifact(settings.data_dir, shard),
                scratch.artifact(settings.data_dir, shard),
            )
            assert a.read_bytes() == b.read_bytes(), (feature, shard)
            if shard != rebuilt:  # taken over unchanged: the very same file
                assert os.path.samefile(a, before[feature].artifact(settings.data_dir, shard))
        assert new.sub_models[rebuilt].sha256 != before[feature].sub_models[rebuilt].sha256 or (
            feature in ("retrieval", "match")  # the member may have had no postings/pairs
        )
        if new.artifact(settings.data_dir, 0).suffix == ".npz":
            for shard in range(4):
                x, y = (
                    load_arrays(new.artifact(settings.data_dir, shard).read_bytes()),
                    load_arrays(scratch.artifact(settings.data_dir, shard).read_bytes()),
                )
                assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)
        with session_scope(engine) as s:
            assert _probe(feature, load_model(s, settings, new.id)) == _probe(
                feature, load_model(s, settings, scratch.id)
            )
            assert member not in members_in(s, new.id)


def test_retraining_refuses_a_dataset_of_another_purpose(sqlite_engine, sqlite_settings, seeded):
    from consentry.errors import ConsentryError

    seeded(sqlite_engine, sqlite_settings, members=120)
    genai = build_dataset(
        sqlite_engine, sqlite_settings, purpose="train-genai", shards=2
    ).dataset_id
    with pytest.raises(ConsentryError, match="train-ai"):
        train_feature(sqlite_engine, sqlite_settings, "skills", dataset_id=genai)
