"""The manifest and the audit report of a real build are what their published JSON
Schemas say, and parse back into exactly the JSON that was published."""

from __future__ import annotations

import json

from sqlalchemy import select

from consentry.consent.ledger import ledger_session
from consentry.consent.record import record_choice
from consentry.datasets.audit import AuditDocument, audit_dataset
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import get_dataset
from consentry.datasets.eligibility import EXCLUSION_REASONS
from consentry.datasets.manifest import Manifest
from consentry.datasets.successor import build_successor
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope
from schema_checks import assert_conforms


def _manifest_file(path) -> tuple[str, dict]:
    text = (path / "manifest.json").read_text()
    return text, json.loads(text)


def test_manifests_of_a_build_and_its_successor_round_trip(sqlite_engine, sqlite_settings, seeded):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=60)
    first = build_dataset(engine, settings, purpose="train-genai", shards=3)
    text, data = _manifest_file(first.path)
    manifest = assert_conforms("manifest", data, Manifest)
    # The file is exactly the model's JSON, byte for byte (the manifest's sha256 is
    # recorded, so a reformatted manifest would not be the one that was published).
    assert json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n" == text
    assert "successor" not in data and data["parent_id"] is None
    assert list(data["excluded"]) == list(EXCLUSION_REASONS)
    assert manifest.counts.records == first.counts["records"]

    with session_scope(engine) as s:
        member = s.scalars(
            select(DatasetLineageRow.member_id)
            .where(DatasetLineageRow.dataset_id == first.dataset_id)
            .limit(1)
        ).one()
    with ledger_session(engine) as s:
        record_choice(s, member, "train-genai", "withdraw", source="settings", actor="member")
    result = build_successor(
        engine, settings, first.dataset_id, member_ids=(member,), reason="withdraw"
    )
    with session_scope(engine) as s:
        successor_path = get_dataset(s, result.successor_id).folder(settings.data_dir)
    _, data = _manifest_file(successor_path)
    successor = assert_conforms("manifest", data, Manifest)
    assert successor.parent_id == first.dataset_id
    assert successor.successor is not None
    assert successor.successor.rebuilt_shards == list(result.rebuilt_shards)
    assert any(f.reused for f in successor.files)


def test_an_audit_report_round_trips(sqlite_engine, sqlite_settings, seeded):
    engine, settings = sqlite_engine, sqlite_settings
    seeded(engine, settings, members=40)
    built = build_dataset(engine, settings, purpose="train-genai", shards=2)
    report = audit_dataset(engine, settings, built.dataset_id)
    document = report.document().model_dump(mode="json")
    parsed = assert_conforms("audit-report", document, AuditDocument)
    assert parsed.ok and parsed.violations == []
    assert parsed.summary == report.summary()
    assert parsed.records_checked == built.counts["records"]

    # A report with violations is published the same way.
    (built.path / "data" / "shard-00000-of-00002.parquet").write_bytes(b"not parquet")
    broken = audit_dataset(engine, settings, built.dataset_id).document()
    parsed = assert_conforms("audit-report", broken.model_dump(mode="json"), AuditDocument)
    assert not parsed.ok and parsed.violations
