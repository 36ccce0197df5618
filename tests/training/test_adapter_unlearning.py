"""Exact unlearning for the writer LM's per-shard LoRA adapters: after a member withdraws
train-genai, propagation retrains only their shard's adapter, and that adapter equals, byte
for byte, one trained from scratch on the successor dataset's shard; the other shard's
adapter is the very same file."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import get_dataset
from consentry.features.lm import (
    LANGUAGE_MODEL,
    WRITER,
    feature_generator,
    feature_model_ids,
    models_used,
)
from consentry.genai.base import load_base
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope
from consentry.training import registry
from consentry.training.models.adapter import KIND, Budget, split
from consentry.training.sisa import load_model, read_shard, shard_seed, train_feature

SEED = 3
SHARDS = 2
# Small enough that the test trains in seconds; the determinism does not depend on size.
SMALL = Budget(examples=6, per_member=2, tokens=24, batch=3, epochs=1)


def _trained_member(session, settings, dataset_id: str) -> tuple[int, int]:
    """(member, shard) of a member one of whose texts the shard's adapter trained on."""
    dataset = get_dataset(session, dataset_id)
    for shard in range(SHARDS):
        data, _ = read_shard(session, settings.data_dir, dataset, shard)
        trained = split(data, KIND.budget).train_ids
        if trained:
            return data.member_of[trained[0]], shard
    raise AssertionError("no shard trained on any text")


@pytest.mark.slow
def test_a_withdrawal_retrains_one_adapter_equal_to_one_trained_from_scratch(
    sqlite_engine, sqlite_settings, seeded, monkeypatch
):
    engine, settings = sqlite_engine, sqlite_settings
    monkeypatch.setattr(KIND, "budget", SMALL)
    seeded(engine, settings, members=80)
    dataset_id = build_dataset(engine, settings, purpose="train-genai", shards=SHARDS).dataset_id
    with session_scope(engine) as s:  # no writer model yet: features write with the base
        assert feature_model_ids(s, settings) == {LANGUAGE_MODEL: load_base().model_id}
    before = train_feature(engine, settings, KIND.name, seed=SEED)
    with session_scope(engine) as s:
        member, shard = _trained_member(s, settings, dataset_id)
        assert member in registry.members_in(s, before.id)
        old_model_id = load_model(s, settings, before.id).model_id
        # The page names the model from the registry alone, as the loaded model names itself.
        assert feature_model_ids(s, settings) == {LANGUAGE_MODEL: old_model_id, WRITER: before.id}

    request = withdraw(engine, settings, member, "train-genai", source="settings", actor="member")
    outcome = propagate_now(engine, settings, request.job_id)
    assert outcome.status == "done", outcome.error

    with session_scope(engine) as s:
        after = registry.active_model(s, KIND.name)
        assert after.id != before.id and after.parent_id == before.id
        assert member not in registry.members_in(s, after.id)
        assert registry.models_containing(s, member) == []
        successor = get_dataset(s, after.dataset_id)
        data, _ = read_shard(s, settings.data_dir, successor, shard)
        assert member not in data.member_of.values()
        new_model_id = load_model(s, settings, after.id).model_id
    scratch = KIND.train_shard(data, seed=shard_seed(SEED, shard))

    retrained = after.artifact(settings.data_dir, shard).read_bytes()
    assert retrained == scratch
    assert retrained != before.artifact(settings.data_dir, shard).read_bytes()
    assert [s.reused for s in after.sub_models] == [n != shard for n in range(SHARDS)]
    for other in range(SHARDS):
        if other != shard:  # taken over unchanged: the very same file
            assert os.path.samefile(
                after.artifact(settings.data_dir, other), before.artifact(settings.data_dir, other)
            )
    # What a feature page shows changes with the retrained adapter, and features use it.
    assert new_model_id != old_model_id
    with session_scope(engine) as s:
        assert feature_model_ids(s, settings) == {LANGUAGE_MODEL: new_model_id, WRITER: after.id}
        generator = feature_generator(s, settings)
        assert generator.model_id == new_model_id
        # A draft names the retrained model version it was written with.
        assert models_used(s, settings, generator) == {
            LANGUAGE_MODEL: new_model_id,
            WRITER: after.id,
        }
        # An operator's endpoint, when set, is what features use instead.
        remote = replace(settings, genai_url="http://127.0.0.1:9", genai_model="writer")
        assert feature_model_ids(s, remote) == {LANGUAGE_MODEL: "writer via http://127.0.0.1:9"}
