"""Stored locations are relative to the data folder; nothing outside it is ever touched.

The rule (store/locations.py): a version's folder is stored relative to the data folder
and resolved against the data folder in use; a stored path that resolves outside it is
refused. Migration 0006 rewrites absolute paths inside the data folder to that form.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from consentry.store import migrate
from consentry.store.locations import (
    OutsideDataFolder,
    relative_if_inside,
    resolve_location,
    to_location,
)
from consentry.store.migrate import _config

SEGMENT = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,11}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)


@given(parts=st.lists(SEGMENT, min_size=1, max_size=4))
def test_a_folder_inside_round_trips_through_its_stored_form(tmp_path_factory, parts):
    data = tmp_path_factory.mktemp("data")
    folder = data.joinpath(*parts)
    stored = to_location(data, folder)
    assert not Path(stored).is_absolute() and "\\" not in stored
    assert resolve_location(data, stored) == folder.resolve()
    # The same stored form names the same place in a copy of the folder elsewhere.
    elsewhere = tmp_path_factory.mktemp("copy")
    assert resolve_location(elsewhere, stored) == elsewhere.resolve().joinpath(*parts)


def test_a_path_outside_the_data_folder_is_refused(tmp_path):
    data, other = tmp_path / "data", tmp_path / "other"
    (data / "datasets").mkdir(parents=True)
    (other / "datasets" / "ds-1").mkdir(parents=True)
    with pytest.raises(OutsideDataFolder, match="outside the data folder"):
        to_location(data, other / "datasets" / "ds-1")
    with pytest.raises(OutsideDataFolder, match=r"dataset ds-1: .* outside the data folder"):
        resolve_location(data, str(other / "datasets" / "ds-1"), owner="dataset ds-1")
    with pytest.raises(OutsideDataFolder):
        resolve_location(data, "../other/datasets/ds-1")
    with pytest.raises(OutsideDataFolder):
        resolve_location(data, ".")  # the data folder itself is no version's folder
    # A link inside the data folder that leads out of it is refused too.
    (data / "datasets" / "ds-2").symlink_to(other / "datasets" / "ds-1")
    with pytest.raises(OutsideDataFolder):
        resolve_location(data, "datasets/ds-2")
    # An absolute path from before 0006 is accepted while it lies inside.
    inside = data / "datasets" / "ds-3"
    assert resolve_location(data, str(inside)) == inside.resolve()
    assert relative_if_inside(data, str(inside)) == "datasets/ds-3"
    assert relative_if_inside(data, str(other / "datasets" / "ds-1")) is None
    assert relative_if_inside(data, "datasets/ds-3") is None


def _insert_version(conn, table: str, version_id: str, path: str) -> None:
    now = datetime(2026, 1, 1)
    if table == "dataset_versions":
        conn.execute(
            text(
                "INSERT INTO dataset_versions (id, purpose, status, engine, shards, as_of_seq,"
                " as_of_hash, as_of_time, policy_version, policy_hash, path, manifest_sha256,"
                " records, members, created_at) VALUES (:id, 'train-ai', 'active', 'duckdb',"
                " 1, 1, :h, :t, 1, :h, :path, :h, 0, 0, :t)"
            ),
            {"id": version_id, "h": "0" * 64, "t": now, "path": path},
        )
    else:
        conn.execute(
            text(
                "INSERT INTO model_versions (id, feature, purpose, dataset_id, shards, status,"
                " metrics, seed, path, created_at) VALUES (:id, 'skills', 'train-ai', 'ds-in',"
                " 1, 'active', '{}', 0, :path, :t)"
            ),
            {"id": version_id, "path": path, "t": now},
        )


def test_migration_0006_makes_paths_inside_the_data_folder_relative(engine, tmp_path):
    data, other = tmp_path / "data", tmp_path / "elsewhere"
    data.mkdir(exist_ok=True)  # the engine fixture keeps its installation's secret there
    command.downgrade(_config(engine), "0005")
    with engine.begin() as conn:
        _insert_version(conn, "dataset_versions", "ds-in", str(data / "datasets" / "ds-in"))
        _insert_version(conn, "dataset_versions", "ds-out", str(other / "datasets" / "ds-out"))
        _insert_version(conn, "dataset_versions", "ds-rel", "datasets/ds-rel")
        _insert_version(conn, "model_versions", "m-in", str(data / "models" / "m-in"))
    migrate(engine, data)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, path FROM dataset_versions")).all())
        stored |= dict(conn.execute(text("SELECT id, path FROM model_versions")).all())
    assert stored == {
        "ds-in": "datasets/ds-in",
        "ds-out": str(other / "datasets" / "ds-out"),  # left as it is, and refused at use
        "ds-rel": "datasets/ds-rel",
        "m-in": "models/m-in",
    }
    with pytest.raises(OutsideDataFolder):
        resolve_location(data, stored["ds-out"])
