"""The published JSON Schemas: the files in docs/schemas are the models' own."""

from __future__ import annotations

from pathlib import Path

from consentry import schemas

DOCS = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def test_docs_schemas_are_up_to_date_with_the_models():
    # Run `python -m consentry.schemas` after changing a published model.
    assert schemas.stale(DOCS) == []


def test_a_changed_or_missing_schema_file_is_reported(tmp_path):
    schemas.write(tmp_path)
    assert schemas.stale(tmp_path) == []
    (tmp_path / "manifest.schema.json").write_text("{}\n")
    (tmp_path / "audit-report.schema.json").unlink()
    assert set(schemas.stale(tmp_path)) == {"manifest", "audit-report"}
    assert schemas.main([str(tmp_path), "--check"]) == 1


def test_every_schema_is_draft_2020_12_with_its_own_id():
    for name in schemas.names():
        schema = schemas.schema(name)
        assert schema["$schema"] == schemas.DRAFT
        assert schema["$id"].endswith(f"/{name}.schema.json")
        assert schema["type"] == "object" and schema["additionalProperties"] is False
