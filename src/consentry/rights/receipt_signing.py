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
receipt and a JWKS; the legacy HMAC key is optional and only a server has it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization, OKPKey
from pydantic import ValidationError

from consentry.errors import ConsentryError
from consentry.keys import KeyPurpose, Keyring
from consentry.rights.receipt_model import FORMAT, LEGACY_FORMAT, PREVIOUS_FORMAT, Receipt

ALGORITHM = "Ed25519"
LEGACY_ALGORITHM = "HMAC-SHA256"
JWS_TYPE = "consentry-receipt+jws"
RETIRED_AT = "consentry_retired_at"
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
    return rfc8785.dumps({k: v for k, v in document.items() if k != "signature"})


def _public_jwk(ring: Keyring, generation: int) -> OKPKey:
    private = OKPKey.import_key(ring.receipt_signing_key(generation))
    public = OKPKey.import_key(private.as_dict(private=False))
    return public


def key_id(ring: Keyring, generation: int | None = None) -> str:
    """The RFC 7638 thumbprint of the receipt key at `generation` (default: current)."""
    gen = ring.generations[KeyPurpose.RECEIPTS] if generation is None else generation
    return _public_jwk(ring, gen).thumbprint()


def public_keys(ring: Keyring) -> dict[str, Any]:
    """The JWKS of every receipt key, current and retired, newest first."""
    retired_at = {r.retired: r.at for r in ring.rotations if r.purpose is KeyPurpose.RECEIPTS}
    keys = []
    for gen in range(ring.generations[KeyPurpose.RECEIPTS], -1, -1):
        jwk = _public_jwk(ring, gen)
        entry = {**jwk.as_dict(private=False), "kid": jwk.thumbprint()}
        entry.update({"use": "sig", "alg": ALGORITHM})
        if gen in retired_at:
            entry[RETIRED_AT] = retired_at[gen]
        keys.append(entry)
    return {"keys": keys}


def sign(body: Mapping[str, Any], ring: Keyring) -> dict[str, Any]:
    """`body`, checked against the receipt model, with an Ed25519 signature added."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        document = Receipt.model_validate({**unsigned, "format": FORMAT}).document()
    except ValidationError as exc:  # a bug in whoever built the body, not a user mistake
        raise ValueError(f"not a receipt: {exc}") from exc
    private = OKPKey.import_key(ring.receipt_signing_key())
    kid = private.thumbprint()
    header = {"alg": ALGORITHM, "kid": kid, "typ": JWS_TYPE}
    compact = jws.serialize_compact(header, payload(document), private, algorithms=[ALGORITHM])
    signature = {"algorithm": ALGORITHM, "key_id": kid, "value": jws.detach_content(compact)}
    return {**document, "signature": signature}


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
    if document.get("format") not in (FORMAT, PREVIOUS_FORMAT):
        return ReceiptCheck(False, f"not a Consentry receipt (format {document.get('format')!r})")
    if sig.get("algorithm") != ALGORITHM:
        return ReceiptCheck(False, f"unknown signature algorithm {sig.get('algorithm')!r}")
    key = _find_key(jwks, sig.get("key_id"))
    if key is None:
        return ReceiptCheck(
            False, f"the receipt was signed with key {sig.get('key_id')!r}, not one of these keys"
        )
    try:
        token = jws.deserialize_compact(
            sig["value"], OKPKey.import_key(key), algorithms=[ALGORITHM], payload=payload(document)
        )
    except (JoseError, ValueError, TypeError):
        return ReceiptCheck(False, _ALTERED)
    headers = token.headers()
    if headers.get("kid") != sig["key_id"] or headers.get("typ") != JWS_TYPE:
        return ReceiptCheck(False, "the signature's header does not match the receipt")
    if _issued_after_retirement(document, key):
        return ReceiptCheck(
            False, f"the key was retired at {key[RETIRED_AT]}, before this receipt's issue time"
        )
    return ReceiptCheck(True, key_id=sig["key_id"])


def _issued_after_retirement(document: Mapping[str, Any], key: Mapping[str, Any]) -> bool:
    if RETIRED_AT not in key:
        return False
    try:
        retired = datetime.fromisoformat(str(key[RETIRED_AT])).replace(tzinfo=None)
        issued = datetime.fromisoformat(str(document.get("issued_at"))).replace(tzinfo=None)
    except ValueError:
        return True  # a date that cannot be read cannot show the key was still current
    return issued > retired


def _find_key(jwks: Mapping[str, Any], kid: object) -> dict[str, Any] | None:
    for key in jwks.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid and key.get("kty") == "OKP":
            # The kid is a claim; only a key whose thumbprint it is can be meant.
            try:
                if OKPKey.import_key(key).thumbprint() == kid:
                    return key
            except (JoseError, ValueError, TypeError):
                return None
    return None


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
    try:
        jwks = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConsentryError(f"no such file: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConsentryError(f"{path} is not a JSON Web Key Set") from None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ConsentryError(f'{path} is not a JSON Web Key Set (no "keys" list)')
    try:
        # import_key_set is the check that the dict is a key set.
        KeySet.import_key_set(cast(KeySetSerialization, jwks))
    except (JoseError, ValueError, TypeError, KeyError):
        raise ConsentryError(f"{path} holds a key that is not a valid JWK") from None
    return jwks
