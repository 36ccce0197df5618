"""Erasure in a data folder that was copied or restored elsewhere.

Stored paths are relative to the data folder, so a copy works on its own files and never
on the folder it was copied from; the purge is followed by a check of the data folder,
and the receipt states what that check found — true statements, checked here from the
files themselves.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select, update

from builders import Trained, copy_trained, member_in_both
from consentry.cli import main
from consentry.keys import Keyring
from consentry.rights.erasure import erase
from consentry.rights.receipt_signing import public_keys, verify
from consentry.rights.receipts import member_receipts
from consentry.rights.worker import propagate_now
from consentry.store.dataset_tables import DatasetLineageRow, DatasetShardRow, DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.training_tables import ModelShardRow, ModelVersionRow


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` and the sha256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _two_installations(template: Path, tmp_path: Path) -> tuple[Trained, Trained]:
    """An installation at `a/` and a restore of its data folder at `b/` (a plain copy)."""
    original = copy_trained(template, tmp_path / "a")
    original.engine.dispose()
    restored = copy_trained(tmp_path / "a", tmp_path / "b")
    return original, restored


def _member_records(net: Trained, member: int) -> tuple[set[str], set[str]]:
    with session_scope(net.engine) as s:
        rows = s.execute(
            select(DatasetLineageRow.record_id, DatasetLineageRow.record_hash).where(
                DatasetLineageRow.member_id == member
            )
        ).all()
    return {r.record_id for r in rows}, {r.record_hash for r in rows}


def _held(folder: Path, ids: set[str], hashes: set[str]) -> dict[str, int]:
    """Parquet files under `folder` holding any of the records, and how many rows."""
    found = {}
    for path in sorted(folder.rglob("*.parquet")):
        table = pq.read_table(path)
        if "record_id" not in table.column_names:
            continue
        n = sum(
            1
            for r in table.select(["record_id", "record_hash"]).to_pylist()
            if r["record_id"] in ids or r["record_hash"] in hashes
        )
        if n:
            found[path.relative_to(folder).as_posix()] = n
    return found


def test_an_erasure_in_a_restored_folder_reaches_its_files_and_leaves_the_original_alone(
    trained_template, tmp_path, monkeypatch, capsys
):
    original, restored = _two_installations(trained_template, tmp_path)
    member = member_in_both(restored, skip=3)
    ids, hashes = _member_records(restored, member)
    assert _held(restored.settings.data_dir, ids, hashes)  # the restore holds the member
    before = _fingerprint(original.settings.data_dir)

    monkeypatch.setenv("CONSENTRY_DATA_DIR", str(restored.settings.data_dir))
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", restored.settings.database_url)
    assert main(["erase", str(member), "--yes"]) == 0
    assert main(["propagate"]) == 0
    assert "done" in capsys.readouterr().out

    # The member's records are gone from the restored folder's files ...
    assert _held(restored.settings.data_dir, ids, hashes) == {}
    # ... and the folder it was restored from is exactly as it was.
    assert _fingerprint(original.settings.data_dir) == before
    assert _held(original.settings.data_dir, ids, hashes)

    with session_scope(restored.engine) as s:
        (receipt,) = member_receipts(s, member)
    assert verify(receipt, public_keys(Keyring.load(restored.settings))).ok
    assert main(["receipts", "verify", receipt["id"]]) == 0
    capsys.readouterr()
    _assert_true_statements(restored, receipt)


def _assert_true_statements(net: Trained, receipt: dict) -> None:
    """Each statement of the receipt's erasure check, re-checked against the files."""
    data = net.settings.data_dir
    check = receipt["erasure_check"]
    assert check["member_records_found"] == 0
    assert check["parquet_files_scanned"] == len(list(data.rglob("*.parquet")))
    models_dir = data / "models"
    assert check["model_artifacts_scanned"] == sum(1 for p in models_dir.rglob("*") if p.is_file())
    kinds = {
        "dataset": (DatasetVersionRow, DatasetShardRow, DatasetShardRow.dataset_id),
        "model": (ModelVersionRow, ModelShardRow, ModelShardRow.model_id),
    }
    with session_scope(net.engine) as s:
        for artifact in check["artifacts"]:
            version, shards, owner = kinds[artifact["kind"]]
            row = s.get(version, artifact["id"])
            assert not Path(row.path).is_absolute()
            files = s.scalars(select(shards.file).where(owner == artifact["id"])).all()
            assert artifact["files_absent"] == len(files) > 0
            assert not any((data / row.path / f).exists() for f in files)
    retired = {d["retired"]["id"] for d in receipt["datasets"]}
    assert retired <= {a["id"] for a in check["artifacts"] if a["kind"] == "dataset"}


def test_a_stored_path_outside_the_data_folder_is_refused_and_nothing_is_deleted(
    trained_template, tmp_path
):
    original, restored = _two_installations(trained_template, tmp_path)
    # A registry as an older version left it: absolute paths into the original folder.
    with session_scope(restored.engine) as s:
        for table in (DatasetVersionRow, ModelVersionRow):
            for row in s.scalars(select(table)):
                row.path = str(original.settings.data_dir / row.path)
    before = _fingerprint(original.settings.data_dir)
    member = member_in_both(restored, skip=3)

    request = erase(restored.engine, restored.settings, member, source="settings", actor="m")
    outcome = propagate_now(restored.engine, restored.settings, request.job_id)
    assert outcome.status != "done" and outcome.receipt_id is None
    assert "outside the data folder" in outcome.error
    assert _fingerprint(original.settings.data_dir) == before
    with session_scope(restored.engine) as s:
        assert member_receipts(s, member) == []


def test_a_file_that_still_holds_the_member_fails_the_erasure(trained_template, tmp_path):
    _, restored = _two_installations(trained_template, tmp_path)
    member = member_in_both(restored, skip=3)
    ids, hashes = _member_records(restored, member)
    data = restored.settings.data_dir
    # A copy of a shard holding the member, kept somewhere under the data folder.
    (source,) = [data / p for p in list(_held(data, ids, hashes))[:1]]
    stray = data / "exports" / "copy.parquet"
    stray.parent.mkdir()
    shutil.copy(source, stray)

    request = erase(restored.engine, restored.settings, member, source="settings", actor="m")
    outcome = propagate_now(restored.engine, restored.settings, request.job_id)
    assert outcome.status != "done" and outcome.receipt_id is None
    assert "exports/copy.parquet holds" in outcome.error
    with session_scope(restored.engine) as s:
        assert member_receipts(s, member) == []
        job = s.get(PropagationJob, request.job_id)
        assert "verified" not in json.loads(job.progress)

    # Once the stray copy is gone, the job finishes and its receipt says what was checked.
    stray.unlink()
    with session_scope(restored.engine) as s:
        s.execute(
            update(PropagationJob)
            .where(PropagationJob.id == request.job_id)
            .values(status="queued", lease_until=None)  # no wait before the retry
        )
    outcome = propagate_now(restored.engine, restored.settings, request.job_id)
    assert outcome.status == "done", outcome.error
    with session_scope(restored.engine) as s:
        (receipt,) = member_receipts(s, member)
    _assert_true_statements(restored, receipt)
