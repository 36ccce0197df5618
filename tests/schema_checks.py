"""Checks that a document an auditor reads conforms to the JSON Schema published for it.

With `jsonschema_rs` (installed with schemathesis) the document is checked against the
published schema itself, as an outside auditor would; pydantic's validation of the model
runs in every case, so the check never silently disappears.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from consentry import schemas

try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - the dev environment has it
    jsonschema_rs = None


def assert_conforms(name: str, document: Any, model: type[BaseModel]) -> BaseModel:
    """Assert `document` (JSON data) is valid under schema `name` and parses as `model`
    back into exactly the same JSON; return the parsed model."""
    if jsonschema_rs is not None:
        errors = [
            e.message
            for e in jsonschema_rs.validator_for(schemas.schema(name)).iter_errors(document)
        ]
        assert errors == [], errors
    parsed = model.model_validate(document)
    assert parsed.model_dump(mode="json") == document
    return parsed
