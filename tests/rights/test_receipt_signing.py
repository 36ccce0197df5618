"""Receipts anyone can verify: Ed25519 JWS over RFC 8785 JSON, a JWKS, offline checks.

The offline test runs the real `consentry` command in a child process with a data folder
that does not exist and no database: only the receipt file and the JWKS file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consentry.config import Settings
from consentry.keys import KeyPurpose, Keyring, rotate
from consentry.rights.receipt_model import receipt_schema, schema_text
from consentry.rights.receipt_signing import (
    RETIRED_AT,
    key_id,
    legacy_key_id,
    legacy_mac,
    public_keys,
    sign,
    verify,
    verify_on_server,
)
from rights.receipt_bodies import receipt_body

MASTER = bytes(range(32))
ROOT = Path(__file__).resolve().parents[2]


def _ring() -> Keyring:
    return Keyring(MASTER)


def test_a_signed_receipt_verifies_with_the_public_keys_alone_and_any_change_is_caught():
    ring = _ring()
    doc = sign(receipt_body(), ring)
    jwks = public_keys(ring)
    assert not any("d" in k for k in jwks["keys"])  # public halves only
    check = verify(doc, jwks)
    assert check.ok and check.key_id == key_id(ring) == doc["signature"]["key_id"]
    # The signature covers RFC 8785 JSON, not the stored bytes: a pretty copy verifies.
    assert verify(json.loads(json.dumps(doc, indent=2, sort_keys=False)), jwks).ok

    tampered = json.loads(json.dumps(doc))
    tampered["datasets"][0]["records_removed"] += 1
    assert "altered after it was issued" in verify(tampered, jwks).problem
    forged = {**doc, "signature": {**doc["signature"], "value": doc["signature"]["value"][:-4]}}
    assert not verify(forged, jwks).ok
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    assert "no signature" in verify(unsigned, jwks).problem
    other = public_keys(Keyring(bytes(32)))
    assert "not one of these keys" in verify(doc, other).problem


def test_a_kid_that_is_not_the_keys_thumbprint_names_no_key():
    ring = _ring()
    doc = sign(receipt_body(), ring)
    jwks = public_keys(Keyring(bytes(32)))
    jwks["keys"][0]["kid"] = doc["signature"]["key_id"]  # another key, relabelled
    assert "not one of these keys" in verify(doc, jwks).problem


def test_a_body_that_is_not_a_receipt_is_never_signed():
    with pytest.raises(ValueError, match="not a receipt"):
        sign(receipt_body(surprise="field"), _ring())


def test_rotation_keeps_old_receipts_verifiable_and_refuses_the_retired_key_later(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url="sqlite://")
    before = Keyring.load(settings)
    old = sign(receipt_body(issued_at="2026-01-01T00:00:00.000000"), before)
    after = rotate(settings, KeyPurpose.RECEIPTS)
    new = sign(receipt_body(), after)
    assert new["signature"]["key_id"] != old["signature"]["key_id"]

    jwks = public_keys(Keyring.load(settings))
    assert [k["kid"] for k in jwks["keys"]] == [key_id(after), key_id(before)]
    assert RETIRED_AT in jwks["keys"][1] and RETIRED_AT not in jwks["keys"][0]
    assert verify(old, jwks).ok and verify(new, jwks).ok
    # A receipt dated after the rotation under the retired key: a leaked old key, refused.
    late = sign(receipt_body(issued_at="2999-01-01T00:00:00.000000"), before)
    assert "was retired at" in verify(late, jwks).problem


def test_legacy_hmac_receipts_stay_verifiable_on_their_server_only():
    ring = _ring()
    body = receipt_body(format="consentry-propagation-receipt/1")
    legacy = {
        **body,
        "signature": {
            "algorithm": "HMAC-SHA256",
            "key_id": legacy_key_id(MASTER),
            "value": legacy_mac(body, MASTER),
        },
    }
    on_server = verify_on_server(legacy, ring)
    assert on_server.ok and on_server.legacy
    offline = verify(legacy, public_keys(ring))
    assert not offline.ok and "server-verifiable only" in offline.problem
    legacy["member_id"] = 8
    assert "altered" in verify_on_server(legacy, ring).problem
    assert "another server key" in verify_on_server(legacy, Keyring(bytes(32))).problem


def test_the_published_schema_file_is_the_models_schema():
    path = ROOT / "docs" / "schemas" / "receipt.schema.json"
    assert path.read_text() == schema_text(), "regenerate docs/schemas/receipt.schema.json"
    schema = receipt_schema()
    assert "signature" in schema["properties"] and schema["additionalProperties"] is False


def _consentry(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import sys; from consentry.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_offline_verify_needs_no_data_folder_database_or_secret(tmp_path):
    ring = _ring()
    receipt, jwks = tmp_path / "receipt.json", tmp_path / "jwks.json"
    receipt.write_text(json.dumps(sign(receipt_body(), ring), indent=2))
    jwks.write_text(json.dumps(public_keys(ring)))
    missing = tmp_path / "no-such-data-folder"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env["CONSENTRY_DATA_DIR"] = str(missing)

    ok = _consentry("receipts", "verify", str(receipt), "--jwks", str(jwks), env=env)
    assert ok.returncode == 0, ok.stderr
    assert "signature valid: receipt rcpt-x" in ok.stdout

    doc = json.loads(receipt.read_text())
    doc["member_id"] = 8
    receipt.write_text(json.dumps(doc))
    bad = _consentry("receipts", "verify", str(receipt), "--jwks", str(jwks), env=env)
    assert bad.returncode != 0
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "NOT valid" in lines[0] and "altered" in lines[0], bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    assert not missing.exists()  # no secret, no database, nothing created
