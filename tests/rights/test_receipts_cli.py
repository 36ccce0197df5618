"""Receipts are checkable later, and the CLI: withdraw, erase, propagate, receipts."""

from __future__ import annotations

import json

from builders import member_in_both
from consentry.cli import main
from consentry.config import Settings
from consentry.keys import Keyring
from consentry.rights.receipt_signing import public_keys, sign
from rights.receipt_bodies import receipt_body


def test_cli_withdraw_propagate_and_receipts(trained, tmp_path, capsys):
    member = member_in_both(trained, skip=9)
    assert main(["withdraw", str(member), "train-genai", "--source", "settings"]) == 0
    assert "propagation job 1 queued" in capsys.readouterr().out
    assert main(["propagate"]) == 0
    out = capsys.readouterr().out
    assert "done in" in out and f"dataset {trained.genai} ->" in out
    assert main(["propagate"]) == 0
    assert "nothing to propagate" in capsys.readouterr().out

    assert main(["receipts", "list", str(member)]) == 0
    receipt_id = next(w for w in capsys.readouterr().out.split() if w.startswith("rcpt-"))
    path = tmp_path / "receipt.json"
    assert main(["receipts", "show", receipt_id, "-o", str(path)]) == 0
    capsys.readouterr()
    assert main(["receipts", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "signature valid" in out and f"dataset {trained.genai} is retired" in out
    assert main(["receipts", "verify", receipt_id]) == 0
    capsys.readouterr()

    doc = json.loads(path.read_text())
    doc["datasets"][0]["records_removed"] += 1
    path.write_text(json.dumps(doc))
    assert main(["receipts", "verify", str(path)]) == 2
    assert "NOT valid" in capsys.readouterr().err


def test_cli_erase_needs_yes_and_then_propagates_at_once(trained, capsys):
    member = member_in_both(trained, skip=10)
    assert main(["erase", str(member)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["erase", str(member), "--yes", "--now"]) == 0
    out = capsys.readouterr().out
    assert f"erased member {member}" in out and "done in" in out
    assert main(["erase", str(member), "--yes"]) == 2
    assert "already erased" in capsys.readouterr().err


def test_a_receipt_from_another_server_is_refused(trained, tmp_path, capsys):
    other = Settings(data_dir=tmp_path / "other", database_url="sqlite://")
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(sign(receipt_body(), Keyring.load(other))))
    assert main(["receipts", "verify", str(path), "--signature-only"]) == 2
    assert "not one of these keys" in capsys.readouterr().err


def test_the_jwks_command_exports_keys_that_verify_this_servers_receipts(trained, tmp_path, capsys):
    member = member_in_both(trained, skip=11)
    assert main(["withdraw", str(member), "train-genai", "--now"]) == 0
    capsys.readouterr()
    assert main(["receipts", "list", str(member)]) == 0
    receipt_id = next(w for w in capsys.readouterr().out.split() if w.startswith("rcpt-"))
    receipt, jwks = tmp_path / "r.json", tmp_path / "jwks.json"
    assert main(["receipts", "show", receipt_id, "-o", str(receipt)]) == 0
    assert main(["receipts", "jwks", "-o", str(jwks)]) == 0
    capsys.readouterr()
    assert json.loads(jwks.read_text()) == public_keys(Keyring.load(trained.settings))
    assert main(["receipts", "verify", str(receipt), "--jwks", str(jwks)]) == 0
    assert f"signature valid: receipt {receipt_id}" in capsys.readouterr().out
