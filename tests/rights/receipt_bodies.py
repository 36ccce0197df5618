"""A minimal, well-formed receipt body, for tests of signing and verification."""

from __future__ import annotations

from typing import Any


def receipt_body(**changes: Any) -> dict[str, Any]:
    """An unsigned receipt naming one retired dataset; `changes` replace top-level fields."""
    dataset = {
        "id": "d1",
        "purpose": "train-genai",
        "created_at": "2026-01-01T00:00:00.000000",
        "retired_at": "2026-01-02T00:00:00.000000",
        "manifest_sha256": "ab" * 32,
        "as_of_seq": 3,
        "records": 120,
    }
    body: dict[str, Any] = {
        "format": "consentry-propagation-receipt/3",
        "id": "rcpt-x",
        "issued_at": "2026-01-02T00:00:01.250000",
        "issuer": "consentry",
        "job_id": 1,
        "member_id": 7,
        "kind": "withdraw",
        "purpose": "train-genai",
        "ledger_entry": {
            "seq": 4,
            "hash": "cd" * 32,
            "action": "withdraw",
            "purpose": "train-genai",
            "source": "settings",
            "occurred_at": "2026-01-02T00:00:00.000000",
        },
        "timings": {
            "requested_at": "2026-01-02T00:00:00.000000",
            "started_at": "2026-01-02T00:00:00.500000",
            "finished_at": "2026-01-02T00:00:01.250000",
            "seconds_to_receipt": 1.25,
            "step_seconds": {"datasets": 0.5, "models": 0.25, "receipt": 0.0},
        },
        "datasets": [{"retired": dataset, "created": None, "records_removed": 4}],
        "models": [],
        "retrieval_indexes": [],
        "erasure_check": None,
    }
    body.update(changes)
    return body
