"""Ed25519 signatures as JWS with a detached payload, under the receipt key.

The one signing primitive for documents that anyone must be able to verify with the
public keys alone: propagation receipts (`consentry.rights.receipt_signing`) and ledger
checkpoints (`consentry.consent.checkpoints`). A document is signed over its RFC 8785
canonical JSON (every field but `signature`); the signature is the JWS compact
serialisation (RFC 7515) with its middle part left empty, and a protected header naming
the key (`kid`, the RFC 7638 thumbprint of the public key) and the document type (`typ`),
so a signature over one kind of document never passes as another.

The keys are the receipt key's generations (`consentry.keys`, `receipts/<generation>`),
published as a JWKS: every generation from 0 to the current one, each retired one with
the time it was retired (`consentry_retired_at`), so what was signed before a rotation
stays verifiable and what claims to be signed after it under the old key does not.

It lives at the top of the package, beside `consentry.keys`, so that every layer (the
ledger's checkpoints below datasets, receipts above them) can sign and verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from consentry.keys import KeyPurpose, Keyring

ALGORITHM = "Ed25519"
RETIRED_AT = "consentry_retired_at"


def canonical(document: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: RFC 8785 JSON of every field but `signature`."""
    return rfc8785.dumps({k: v for k, v in document.items() if k != "signature"})


def public_jwk(ring: Keyring, generation: int) -> OKPKey:
    """The public half of the receipt key at `generation`."""
    private = OKPKey.import_key(ring.receipt_signing_key(generation))
    return OKPKey.import_key(private.as_dict(private=False))


def key_id(ring: Keyring, generation: int | None = None) -> str:
    """The RFC 7638 thumbprint of the receipt key at `generation` (default: current)."""
    gen = ring.generations[KeyPurpose.RECEIPTS] if generation is None else generation
    return public_jwk(ring, gen).thumbprint()


def public_keys(ring: Keyring) -> dict[str, Any]:
    """The JWKS of every receipt key, current and retired, newest first."""
    retired_at = {r.retired: r.at for r in ring.rotations if r.purpose is KeyPurpose.RECEIPTS}
    keys = []
    for gen in range(ring.generations[KeyPurpose.RECEIPTS], -1, -1):
        jwk = public_jwk(ring, gen)
        entry = {**jwk.as_dict(private=False), "kid": jwk.thumbprint()}
        entry.update({"use": "sig", "alg": ALGORITHM})
        if gen in retired_at:
            entry[RETIRED_AT] = retired_at[gen]
        keys.append(entry)
    return {"keys": keys}


def sign_detached(document: Mapping[str, Any], ring: Keyring, typ: str) -> dict[str, str]:
    """The `signature` object of `document`, signed now with the current receipt key."""
    private = OKPKey.import_key(ring.receipt_signing_key())
    kid = private.thumbprint()
    header = {"alg": ALGORITHM, "kid": kid, "typ": typ}
    compact = jws.serialize_compact(header, canonical(document), private, algorithms=[ALGORITHM])
    return {"algorithm": ALGORITHM, "key_id": kid, "value": jws.detach_content(compact)}


def find_key(jwks: Mapping[str, Any], kid: object) -> dict[str, Any] | None:
    """The key of `jwks` whose thumbprint is `kid` (the kid is a claim; only a key whose
    thumbprint it is can be meant)."""
    for key in jwks.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid and key.get("kty") == "OKP":
            try:
                if OKPKey.import_key(key).thumbprint() == kid:
                    return key
            except (JoseError, ValueError, TypeError):
                return None
    return None


def check_detached(
    document: Mapping[str, Any], jwks: Mapping[str, Any], typ: str, *, issued_at: str
) -> str | None:
    """None when `document`'s Ed25519 signature is good; otherwise what is wrong.

    `issued_at` is the time the document says it was signed: a key retired before then
    cannot have signed it.
    """
    sig = document.get("signature")
    if not isinstance(sig, dict) or not isinstance(sig.get("value"), str):
        return "it carries no signature"
    if sig.get("algorithm") != ALGORITHM:
        return f"unknown signature algorithm {sig.get('algorithm')!r}"
    key = find_key(jwks, sig.get("key_id"))
    if key is None:
        return f"it was signed with key {sig.get('key_id')!r}, not one of these keys"
    try:
        token = jws.deserialize_compact(
            sig["value"],
            OKPKey.import_key(key),
            algorithms=[ALGORITHM],
            payload=canonical(document),
        )
    except (JoseError, ValueError, TypeError):
        return "the signature does not match its content: it was altered after it was signed"
    headers = token.headers()
    if headers.get("kid") != sig["key_id"] or headers.get("typ") != typ:
        return "the signature's header does not match the document"
    if issued_after_retirement(issued_at, key):
        return f"the key was retired at {key[RETIRED_AT]}, before it was signed"
    return None


def issued_after_retirement(issued_at: object, key: Mapping[str, Any]) -> bool:
    """Whether a document issued at `issued_at` claims a key retired before then."""
    if RETIRED_AT not in key:
        return False
    try:
        retired = datetime.fromisoformat(str(key[RETIRED_AT])).replace(tzinfo=None)
        issued = datetime.fromisoformat(str(issued_at)).replace(tzinfo=None)
    except ValueError:
        return True  # a date that cannot be read cannot show the key was still current
    return issued > retired
