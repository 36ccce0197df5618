"""A key per use, derived from one master secret; rotating one use leaves the others."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from consentry.config import ConfigError, Settings
from consentry.datasets.records import record_id
from consentry.keys import KEYRING_FILE, KeyPurpose, Keyring, derive, rotate


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url="sqlite://")


def test_every_use_has_its_own_key_and_none_is_the_master_but_record_ids(settings):
    ring = Keyring.load(settings)
    master = settings.secret_key()
    keys = {p: ring.key(p).secret for p in KeyPurpose}
    assert len(set(keys.values())) == len(KeyPurpose)
    assert [p for p, k in keys.items() if k == master] == [KeyPurpose.RECORD_IDS]
    assert ring.key(KeyPurpose.SESSIONS).kid == "sessions.0"
    assert keys[KeyPurpose.API_TOKENS] == derive(master, KeyPurpose.API_TOKENS, 0)


def test_record_ids_are_byte_identical_to_those_computed_under_the_master_secret(settings):
    # Every dataset built before the keyring computed ids as HMAC(master, "class:id").
    master = settings.secret_key()
    before = hmac.new(master, b"post:42", hashlib.sha256).hexdigest()[:32]
    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    assert record_id(key, "post", 42) == before


def test_rotating_the_session_key_leaves_record_ids_and_other_keys_unchanged(settings):
    before = Keyring.load(settings)
    after = rotate(settings, KeyPurpose.SESSIONS)
    reloaded = Keyring.load(settings)
    assert reloaded.generations[KeyPurpose.SESSIONS] == 1 == after.generations["sessions"]
    assert reloaded.key(KeyPurpose.SESSIONS).secret != before.key(KeyPurpose.SESSIONS).secret
    assert reloaded.key(KeyPurpose.SESSIONS).kid == "sessions.1"
    ids = [record_id(r.key(KeyPurpose.RECORD_IDS).secret, "job", 7) for r in (before, reloaded)]
    assert ids[0] == ids[1]
    for purpose in (KeyPurpose.API_TOKENS, KeyPurpose.RECEIPTS, KeyPurpose.RECORD_IDS):
        assert reloaded.key(purpose) == before.key(purpose)
    (rotation,) = reloaded.rotations
    assert (rotation.purpose, rotation.retired) == (KeyPurpose.SESSIONS, 0)


def test_record_ids_cannot_be_rotated(settings):
    with pytest.raises(ConfigError, match="cannot be rotated"):
        rotate(settings, KeyPurpose.RECORD_IDS)
    assert not (settings.data_dir / KEYRING_FILE).exists()


def test_a_damaged_keyring_file_is_one_clear_error(settings):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / KEYRING_FILE).write_text('{"generations": {"chat": 1}}')
    with pytest.raises(ConfigError, match="not a Consentry keyring"):
        Keyring.load(settings)


def test_keys_show_and_rotate_from_the_command_line(settings, monkeypatch, capsys):
    from consentry.cli import main

    monkeypatch.setenv("CONSENTRY_DATA_DIR", str(settings.data_dir))
    assert main(["keys", "rotate", "sessions"]) == 0
    assert "rotated sessions: generation 1" in capsys.readouterr().out
    assert main(["keys", "rotate", "record-ids"]) == 2
    assert "cannot be rotated" in capsys.readouterr().err
    assert main(["keys", "rotate", "chat"]) == 2
    assert "no key use 'chat'" in capsys.readouterr().err
    assert main(["keys", "show"]) == 0
    shown = capsys.readouterr().out
    assert "sessions.1" in shown and "api-tokens.0" in shown and "no (fixed)" in shown


def test_the_erased_names_key_is_fixed_whatever_the_state_file_says(settings):
    before = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES)
    with pytest.raises(ConfigError, match="name hashes are stored"):
        rotate(settings, KeyPurpose.ERASED_NAMES)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / KEYRING_FILE).write_text('{"generations": {"erased-names": 3}}')
    after = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES)
    assert after == before and after.kid == "erased-names.0"
