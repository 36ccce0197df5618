"""The receipt as a typed model, and the JSON Schema published for it.

A receipt leaves the system (a member downloads it, an auditor checks it), so its shape
is declared here once: `Receipt` validates every receipt before it is signed, and
`receipt_schema()` is the JSON Schema published as `receipt` (`consentry.schemas`), served
at `GET /api/v1/schemas/receipt` and kept in `docs/schemas/receipt.schema.json` (a test
fails when the two drift apart).

Times are ISO 8601 strings as issued (naive UTC, microseconds), not parsed datetimes:
the signature covers the exact characters, so a model that reformatted them would break
it. Unknown fields are refused, so the schema names everything a receipt can say.

Format 3 states what was verified, not what was attempted: for an erasure,
`erasure_check` is what the check of the data folder after the purge found
(rights/erasure_check.py). Receipts of format 2 carried `files_deleted` flags instead;
they still verify (`receipt_signing.verify`), but this schema describes format 3.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT = "consentry-propagation-receipt/4"
"""Signed with Ed25519 as a detached JWS: verifiable with the public keys alone. States,
for an erasure, what the check of the data folder after the purge found, and covers
refreshes (content or region changes), whose `ledger_entry` is null and `reason` set."""
PREVIOUS_FORMATS = ("consentry-propagation-receipt/3", "consentry-propagation-receipt/2")
"""Signed as format 4 and still verified; no longer issued. Format 3 had no refreshes.
Format 2's `files_deleted` fields said what the purge set out to delete, not what was
checked."""
LEGACY_FORMAT = "consentry-propagation-receipt/1"
"""Signed with HMAC-SHA256 under the server's secret: only that server can verify it."""
SCHEMA_ID = "https://consentry.example/schemas/receipt.schema.json"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LedgerEntry(_Part):
    """The consent ledger entry that caused the propagation."""

    seq: int
    hash: str
    action: str = Field(description="withdraw, object or erase")
    purpose: str | None
    source: str
    occurred_at: str


class ShardFile(_Part):
    """One rebuilt shard of a successor dataset."""

    shard: int
    sha256: str
    rows: int


class DatasetVersion(_Part):
    """A dataset version as it stood when the receipt was issued."""

    id: str
    purpose: str
    created_at: str | None
    retired_at: str | None
    manifest_sha256: str
    as_of_seq: int
    records: int
    rebuilt_shards: list[ShardFile] | None = Field(
        default=None, description="Created versions only: the shards rebuilt without the member."
    )


class DatasetChange(_Part):
    """A dataset version retired because it held the member, and its successor."""

    retired: DatasetVersion
    created: DatasetVersion | None
    records_removed: int


class SubModel(_Part):
    shard: int
    sha256: str
    retrained: bool


class ModelVersion(_Part):
    id: str
    feature: str
    purpose: str
    dataset_id: str
    created_at: str | None
    superseded_at: str | None
    sub_models: list[SubModel]


class ModelChange(_Part):
    """A model version superseded, and its successor (None: a concurrent propagation
    superseded it first)."""

    retired: ModelVersion
    created: ModelVersion | None


class Timings(_Part):
    requested_at: str | None
    started_at: str | None
    finished_at: str | None
    seconds_to_receipt: float
    step_seconds: dict[str, float]


class ArtifactAbsent(_Part):
    """A dataset or model version that lineage says held the member."""

    kind: Literal["dataset", "model"]
    id: str
    files_absent: int = Field(
        description="Its shard files (dataset) or sub-model artifacts (model), each found "
        "absent under the data folder when checked after the purge."
    )


class ErasureCheck(_Part):
    """Erasure only: what the check after the purge found. It is issued only when the
    check found nothing of the member; a file still holding the member's records fails the
    propagation instead. Registry rows of the versions remain as the record of what
    existed."""

    checked_at: str
    artifacts: list[ArtifactAbsent] = Field(
        description="Every dataset version that held the member, and every model trained "
        "on one, with its files checked absent."
    )
    parquet_files_scanned: int = Field(
        description="Parquet files under the data folder read for the member's record ids "
        "and record hashes."
    )
    model_artifacts_scanned: int = Field(
        description="Model artifact files under the data folder searched for the member's "
        "record ids."
    )
    member_records_found: Literal[0] = Field(
        description="Records of the member found in those files: none, or no receipt."
    )


class Signature(_Part):
    """How the receipt is signed.

    Format 2: `algorithm` is `Ed25519`, `key_id` the RFC 7638 thumbprint of the public
    key in the server's JWKS, `value` a JWS compact serialisation with detached payload
    (RFC 7515 appendix F) whose payload is the RFC 8785 canonical JSON of every other
    field of the receipt. Format 1 (legacy): `HMAC-SHA256`, hex `value`.
    """

    algorithm: Literal["Ed25519", "HMAC-SHA256"]
    key_id: str
    value: str


class Receipt(_Part):
    """What a propagation changed, signed by the server."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Consentry propagation receipt",
    )

    format: Literal[
        "consentry-propagation-receipt/4",
        "consentry-propagation-receipt/3",
        "consentry-propagation-receipt/2",
        "consentry-propagation-receipt/1",
    ]
    id: str
    issued_at: str
    issuer: str
    job_id: int
    member_id: int
    kind: str = Field(description="withdraw, erase or refresh")
    purpose: str = Field(description="The purpose withdrawn, or * for an erasure or a refresh.")
    ledger_entry: LedgerEntry | None = Field(
        description="The consent event answered; null for a refresh, which answers a change "
        "to the member's content or region, not a consent event."
    )
    reason: str | None = Field(
        default=None,
        description="A refresh only: what changed (deleted, edited, region).",
    )
    timings: Timings
    datasets: list[DatasetChange]
    models: list[ModelChange]
    retrieval_indexes: list[str]
    erasure_check: ErasureCheck | None = Field(
        description="Erasure: what the check of the data folder after the purge found. "
        "Null for a withdrawal, which deletes no files."
    )
    signature: Signature | None = Field(
        default=None, description="Absent only on the unsigned body, before signing."
    )

    def document(self) -> dict[str, Any]:
        """The receipt as a JSON-ready dict, with exactly the fields it was given."""
        return self.model_dump(mode="json", exclude_unset=True)


def receipt_schema() -> dict[str, Any]:
    """The JSON Schema of a receipt (draft 2020-12)."""
    schema = Receipt.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    """The schema as written to `docs/schemas/receipt.schema.json`."""
    return json.dumps(receipt_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
