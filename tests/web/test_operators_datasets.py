"""The operator dataset pages say how each version stands: active, pinned by a model,
retired or a reproduction, and when its data files go."""

from __future__ import annotations

import dataclasses
import re

from fastapi.testclient import TestClient

from builders import OPS, build_world
from consentry.datasets.build import build_dataset
from consentry.datasets.lifecycle import reconcile
from consentry.training.sisa import train_feature
from consentry.web.app import create_app
from web.helpers import log_in_form


def _row(page: str, dataset_id: str) -> str:
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"><a href=\"/admin/datasets/{dataset_id}\">.*?</tr>", page, re.S
    )
    assert match, dataset_id
    return match.group(0)


def test_the_pages_show_active_pinned_retired_and_reproduction_and_when_files_go(
    sqlite_engine, tmp_path
):
    world = build_world(sqlite_engine, tmp_path / "data", members=60)
    engine, settings = world.engine, dataclasses.replace(world.settings, dataset_retention_days=7)
    first = world.datasets["train-ai"]
    second = build_dataset(engine, settings, purpose="train-ai", shards=2)
    train_feature(engine, settings, "skills", dataset_id=second.dataset_id)
    third = build_dataset(engine, settings, purpose="train-ai", shards=2).dataset_id
    past = build_dataset(
        engine, settings, purpose="train-ai", shards=2, as_of=second.snapshot.seq - 1
    ).dataset_id

    with TestClient(create_app(settings, engine)) as client:
        log_in_form(client, OPS.email)
        page = client.get("/admin/datasets").text
        assert "keep their files for 7 days" in page
        assert "status-retired" in _row(page, first) and "kept until" in _row(page, first)
        assert "status-pinned" in _row(page, second.dataset_id)
        assert "kept while in use" in _row(page, second.dataset_id)
        assert "status-active" in _row(page, third)
        assert "status-reproduction" in _row(page, past)
        detail = client.get(f"/admin/datasets/{second.dataset_id}").text
        assert "an active model was trained on it" in detail
        assert "training refuses it" in client.get(f"/admin/datasets/{past}").text

        gone = dataclasses.replace(settings, dataset_retention_days=0)
        assert first in reconcile(engine, gone).purged
        assert re.search(
            r"deleted \d{4}-\d{2}-\d{2}", _row(client.get("/admin/datasets").text, first)
        )
