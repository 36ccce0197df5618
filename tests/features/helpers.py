"""Build the datasets and train every built-in model on a seeded network."""

from __future__ import annotations

from consentry.datasets.build import build_dataset
from consentry.training.sisa import train_feature


def train_all(engine, settings, *, shards: int = 4, seed: int = 0) -> dict[str, str]:
    ids = {
        p: build_dataset(engine, settings, purpose=p, shards=shards).dataset_id
        for p in ("train-ai", "train-genai")
    }
    for feature in ("skills", "phrasing", "match", "retrieval"):
        train_feature(engine, settings, feature, seed=seed)
    return ids
