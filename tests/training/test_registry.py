"""The registry on both databases: lineage both ways, activation, supersession, files."""

from __future__ import annotations

from consentry.datasets.build import build_dataset
from consentry.datasets.records import shard_of
from consentry.store.engine import session_scope
from consentry.training.artifacts import sha256
from consentry.training.registry import (
    active_model,
    get_model,
    members_in,
    models_containing,
    models_trained_on,
)
from consentry.training.sisa import train_feature


def test_a_trained_model_records_its_dataset_shards_and_members(engine, settings, seeded):
    seeded(engine, settings, members=120)
    dataset = build_dataset(engine, settings, purpose="train-ai", shards=3)
    first = train_feature(engine, settings, "skills", seed=3)
    assert first.dataset_id == dataset.dataset_id and first.status == "active"
    files = {f["shard"]: f["sha256"] for f in dataset.files}
    for sub in first.sub_models:
        assert sub.dataset_sha256 == files[sub.shard]
        assert sha256(first.artifact(settings.data_dir, sub.shard).read_bytes()) == sub.sha256
        assert first.artifact(settings.data_dir, sub.shard).name == f"shard-{sub.shard:05d}.json"
    assert first.location == f"models/{first.id}"  # stored relative to the data folder
    assert first.folder(settings.data_dir) == settings.data_dir.resolve() / "models" / first.id
    with session_scope(engine) as s:
        members = members_in(s, first.id)
        assert members and members == sorted(members)
        assert len(members) == dataset.counts["members"]
        assert [m.id for m in models_containing(s, members[0])] == [first.id]
        assert models_containing(s, -1) == []
        assert [m.id for m in models_trained_on(s, dataset.dataset_id)] == [first.id]
    # A second training supersedes the first in the same transaction.
    second = train_feature(engine, settings, "skills", seed=3)
    with session_scope(engine) as s:
        assert get_model(s, first.id).status == "superseded"
        assert get_model(s, first.id).superseded_at is not None
        assert active_model(s, "skills").id == second.id
        assert [m.id for m in models_containing(s, members[0])] == [second.id]
    # Same dataset, same seed: the same artifacts, byte for byte.
    for shard in range(3):
        first_bytes = first.artifact(settings.data_dir, shard).read_bytes()
        assert first_bytes == second.artifact(settings.data_dir, shard).read_bytes()
    assert shard_of(members[0], 3) in range(3)
