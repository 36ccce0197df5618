"""What anyone needs to verify a receipt without an account: the public keys and the schema.

`GET /.well-known/jwks.json` is the JSON Web Key Set of every receipt-signing key, the
current one and those retired by rotation (so older receipts stay verifiable), each named
by its RFC 7638 thumbprint. `GET /api/v1/schemas/receipt` is the receipt's JSON Schema.
Both are public, read nothing from the database and hold nothing secret.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from consentry.rights.receipt_model import receipt_schema
from consentry.rights.receipt_signing import public_keys

router = APIRouter(tags=["verification"])


@router.get("/.well-known/jwks.json", response_model=dict[str, Any])
def jwks(request: Request) -> JSONResponse:
    """The public keys receipts are signed with (a JWKS, RFC 7517)."""
    return JSONResponse(
        public_keys(request.app.state.keyring),
        media_type="application/jwk-set+json",
        headers={"cache-control": "public, max-age=300"},
    )


@router.get("/api/v1/schemas/receipt", response_model=dict[str, Any])
def receipt_json_schema() -> JSONResponse:
    """The JSON Schema of a receipt (draft 2020-12)."""
    return JSONResponse(receipt_schema(), media_type="application/schema+json")
