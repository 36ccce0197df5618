"""A build killed (SIGKILL) after any step of its publication never leaves a complete
dataset outside the registry: `datasets list`, the next build and a withdrawal all agree
with what is on disk. The build runs in a real subprocess and kills itself at the step
named by CONSENTRY_FAULT_AT (`publish.FAULT_STEPS`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from builders import members_of
from consentry.cli import main
from consentry.datasets.audit import audit_dataset
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import datasets_holding, list_datasets
from consentry.datasets.publish import FAULT_STEPS
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import run_worker
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import session_scope


def _killed_build(settings, step: str) -> int:
    env = {
        **os.environ,
        "CONSENTRY_DATA_DIR": str(settings.data_dir),
        "CONSENTRY_DATABASE_URL": settings.database_url,
        "CONSENTRY_FAULT_AT": step,
    }
    proc = subprocess.run(
        [
            *(sys.executable, "-c", "from consentry.cli import main; main()"),
            *("datasets", "build", "--purpose", "train-ai", "--shards", "4"),
        ],
        env=env,
        capture_output=True,
        timeout=300,
    )
    return proc.returncode


def _registry(engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return dict(s.execute(select(DatasetVersionRow.id, DatasetVersionRow.status)).all())


def _complete_folders(settings) -> set[str]:
    """Dataset folders (not work folders, which are never read and swept by process id)
    that hold a whole dataset: documents and data."""
    root = settings.data_dir / "datasets"
    if not root.exists():
        return set()
    return {
        p.name
        for p in root.iterdir()
        if not p.name.startswith(".")
        and (p / "manifest.json").exists()
        and list((p / "data").glob("*.parquet"))
    }


@pytest.mark.slow
@pytest.mark.parametrize("step", FAULT_STEPS)
def test_a_build_killed_after_any_step_leaves_no_dataset_outside_the_registry(
    engine, settings, seeded, capsys, step
):
    seeded(engine, settings, members=80, recruiters_consent=True)
    earlier = build_dataset(engine, settings, purpose="train-ai", shards=4).dataset_id

    assert _killed_build(settings, step) == -signal.SIGKILL

    # Straight after the kill, before anything sweeps: whatever complete folder exists
    # has a row (at worst one still `publishing`, which nothing reads).
    registry = _registry(engine)
    assert _complete_folders(settings) <= set(registry)
    with session_scope(engine) as s:
        listed = {d.id: d.status for d in list_datasets(s)}
    assert DatasetStatus.PUBLISHING not in listed.values()

    # `datasets list` sweeps what the dead build left and shows the registry as it is.
    capsys.readouterr()
    assert main(["datasets", "list"]) == 0
    shown = capsys.readouterr().out
    registry = _registry(engine)
    assert DatasetStatus.PUBLISHING not in registry.values()
    assert _complete_folders(settings) <= set(registry)
    for dataset_id in registry:
        assert dataset_id[:20] in shown  # ids may be cut to the table's width
    killed_published = step == "published"
    assert (len(registry) == 2) is killed_published

    # The next build publishes normally and leaves no work folders behind.
    latest = build_dataset(engine, settings, purpose="train-ai", shards=4).dataset_id
    root = settings.data_dir / "datasets"
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []
    registry = _registry(engine)
    assert _complete_folders(settings) <= set(registry)
    assert [i for i, status in registry.items() if status == "active"] == [latest]
    assert registry[earlier] == "retired"
    assert audit_dataset(engine, settings, latest).ok

    # A withdrawal reaches every version a model could train on, and no folder holds the
    # member's records without the registry knowing it.
    member = min(members_of(engine, latest))
    withdraw(engine, settings, member, "train-ai", source="settings", actor="member")
    (outcome,) = run_worker(engine, settings, once=True)
    assert outcome.status == "done"
    with session_scope(engine) as s:
        assert datasets_holding(s, member) == []
        holders = set(
            s.scalars(
                select(DatasetLineageRow.dataset_id).where(DatasetLineageRow.member_id == member)
            )
        )
    assert holders <= set(_registry(engine))
    assert _complete_folders(settings) <= set(_registry(engine))
