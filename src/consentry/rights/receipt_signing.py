"""Signing receipts so that anyone can verify them with the public keys alone.

A receipt (format 3; format 2 before it, signed the same way) is signed with Ed25519 as a JWS (RFC 7515) with a detached payload:
the payload is the RFC 8785 canonical JSON of every field of the receipt except
`signature`, and `signature.value` is the compact serialisation with its middle part
left empty. To verify, a verifier canonicalises the receipt the same way, puts the bytes
back as the payload and checks the signature with the key the protected header names
(`kid`, the RFC 7638 thumbprint of the public key). RFC 8785 makes the bytes independent
of key order, whitespace and number formatting, so a receipt pretty-printed for a member
still verifies.

The public keys are published as a JWKS (`GET /.well-known/jwks.json`, `consentry
receipts jwks`): every generation of the receipt key from 0 to the current one, so a
receipt signed before a rotation stays verifiable. Each retired key carries
`consentry_retired_at`; a receipt claiming to be issued after that time under that key
is refused.

Receipts issued before this scheme (format 1) carry an HMAC-SHA256 under the server's
master secret: they remain verifiable, but only by that server (legacy, server-verifiable
only). Nothing new is signed that way.

Verification here needs no settings, no database and no secret: `verify` takes the
receipt and a JWKS; the legacy HMAC key is optional and only a server has it. The JWS
primitive and the JWKS are `consentry.signing`'s, shared with the ledger's checkpoints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from pydantic import ValidationError

from consentry.errors import InvalidInput
from consentry.keys import Keyring
from consentry.rights.receipt_model import FORMAT, LEGACY_FORMAT, PREVIOUS_FORMATS, Receipt
from consentry.rights.receipts import read_json_object
from consentry.signing import (
    ALGORITHM,
    RETIRED_AT,
    canonical,
    check_detached,
    key_id,
    public_keys,
    sign_detached,
)

__all__ = ["ALGORITHM", "RETIRED_AT", "key_id", "public_keys", "sign", "verify"]

LEGACY_ALGORITHM = "HMAC-SHA256"
JWS_TYPE = "consentry-receipt+jws"
_ALTERED = "the signature does not match the receipt's content: it was altered after it was issued"


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of verifying a receipt's signature; `problem` says what is wrong.

    `legacy` is True for a format-1 (HMAC) receipt: valid, but only this server can say so.
    """

    ok: bool
    problem: str | None = None
    legacy: bool = False
    key_id: str | None = None


def payload(document: Mapping[str, Any]) -> bytes:
    """The bytes a receipt's signature covers: RFC 8785 JSON of all but `signature`."""
    return canonical(document)


def sign(body: Mapping[str, Any], ring: Keyring) -> dict[str, Any]:
    """`body`, checked against the receipt model, with an Ed25519 signature added."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        document = Receipt.model_validate({**unsigned, "format": FORMAT}).document()
    except ValidationError as exc:  # a bug in whoever built the body, not a user mistake
        raise ValueError(f"not a receipt: {exc}") from exc
    return {**document, "signature": sign_detached(document, ring, JWS_TYPE)}


def verify(
    document: Mapping[str, Any], jwks: Mapping[str, Any], *, legacy_key: bytes | None = None
) -> ReceiptCheck:
    """Check a receipt's signature against `jwks`; say in one sentence what is wrong.

    A legacy (format 1) receipt is checked with `legacy_key` when given (only its issuing
    server has it), and is refused without it.
    """
    sig = document.get("signature")
    if not isinstance(sig, dict) or not isinstance(sig.get("value"), str):
        return ReceiptCheck(False, "the receipt carries no signature")
    if document.get("format") == LEGACY_FORMAT:
        return _verify_legacy(document, sig, legacy_key)
    if document.get("format") not in (FORMAT, *PREVIOUS_FORMATS):
        return ReceiptCheck(False, f"not a Consentry receipt (format {document.get('format')!r})")
    problem = check_detached(document, jwks, JWS_TYPE, issued_at=str(document.get("issued_at")))
    if problem is None:
        return ReceiptCheck(True, key_id=sig["key_id"])
    # The receipt's own words for the common failures (what receipt checks have said).
    if problem.startswith("the signature does not match"):
        problem = _ALTERED
    elif problem.startswith("it was signed with key"):
        problem = "the receipt" + problem.removeprefix("it")
    elif problem.startswith("the key was retired"):
        problem = problem.replace("before it was signed", "before this receipt's issue time")
    elif problem.startswith("the signature's header"):
        problem = "the signature's header does not match the receipt"
    return ReceiptCheck(False, problem)


def legacy_mac(document: Mapping[str, Any], key: bytes) -> str:
    """The format-1 signature: HMAC-SHA256 over sorted-key compact JSON."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    text = json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def legacy_key_id(key: bytes) -> str:
    return hashlib.sha256(b"consentry-receipt-key:" + key).hexdigest()[:16]


def _verify_legacy(
    document: Mapping[str, Any], sig: Mapping[str, Any], key: bytes | None
) -> ReceiptCheck:
    if key is None:
        return ReceiptCheck(
            False,
            "a legacy receipt (HMAC, format 1) is server-verifiable only: run "
            "`consentry receipts verify` on the server that issued it, without --jwks",
            legacy=True,
        )
    if sig.get("algorithm") != LEGACY_ALGORITHM:
        return ReceiptCheck(False, f"unknown signature algorithm {sig.get('algorithm')!r}")
    if sig.get("key_id") != legacy_key_id(key):
        return ReceiptCheck(
            False, "the receipt was signed with another server key than this server's"
        )
    if not hmac.compare_digest(legacy_mac(document, key), sig["value"]):
        return ReceiptCheck(False, _ALTERED, legacy=True)
    return ReceiptCheck(True, legacy=True, key_id=sig["key_id"])


def verify_on_server(document: Mapping[str, Any], ring: Keyring) -> ReceiptCheck:
    """Verify with this server's keys: its JWKS, and its legacy HMAC key."""
    return verify(document, public_keys(ring), legacy_key=ring.legacy_receipt_key())


def load_jwks(path: Path) -> dict[str, Any]:
    """A JWKS read from a file, or a clear error."""
    jwks = read_json_object(path, "a JSON Web Key Set")
    if not isinstance(jwks.get("keys"), list):
        raise InvalidInput(f'{path} is not a JSON Web Key Set (no "keys" list)')
    try:
        # import_key_set is the check that the dict is a key set.
        KeySet.import_key_set(cast(KeySetSerialization, jwks))
    except (JoseError, ValueError, TypeError, KeyError):
        raise InvalidInput(f"{path} holds a key that is not a valid JWK") from None
    return jwks
