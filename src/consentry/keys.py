"""A key per use, derived from the one master secret; each key carries a key id.

The master secret (`Settings.secret_key()`, kept in `data_dir/secret.key`) is never used
directly to sign anything new. Each use (`KeyPurpose`) gets its own key, derived with
HKDF-SHA256 (RFC 5869):

    key = HKDF(ikm=master, salt="consentry-keyring/1", info="<purpose>/<generation>", 32 bytes)

so knowing one derived key tells nothing about the master or about another use's key, and
no derived key has to be stored. Each use has a *generation*, a counter kept in
`data_dir/keyring.json` (absent: every generation is 0). Rotating a use bumps its counter:
the new key replaces the old for signing, and the old generations remain derivable, so
what was signed under them (receipts) stays verifiable.

Rotation is per use and never touches another use: rotating the session key signs
everyone out and leaves API tokens, receipts and record ids as they are.

Record ids are the exception that proves the rule. They are stored in dataset lineage, in
Parquet shards and in retrieval indexes, so their key can never change without every
dataset being rebuilt: `record-ids` is not rotatable, and its key is the master secret
itself — exactly the key record ids were always computed under, so existing datasets'
ids stay byte-identical. HKDF's extract step takes the master as the *message* of an HMAC
keyed by the fixed salt, never as a key over record-id messages, so the derived keys stay
independent of record ids.

Erased names are fixed too, for the same reason: the keyed hashes of erased members'
names (`erased-names`) are stored in the database and matched against every text a
later build scrubs, so a new key would silently stop every old hash from matching — an
erased name would become readable again. `erased-names` is derived like any other use,
but always at generation 0, and cannot be rotated.

The ledger key is fixed for the same reason: each consent-ledger entry carries an HMAC
seal under `ledger` (generation 0), computed when the entry is appended, and `ledger
verify` recomputes every seal. A rotated key would turn every past seal into a failure,
so `ledger` cannot be rotated; the master secret is what protects it.

Receipts are signed with Ed25519: the 32-byte HKDF output of `receipts/<generation>` is
the private key's seed, so the signing keys, like every other key here, live nowhere but
in the master secret. Their public halves are published as a JWKS (see
`consentry.rights.receipt_signing`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from consentry.config import ConfigError, Settings

SALT = b"consentry-keyring/1"
KEYRING_FILE = "keyring.json"


class KeyPurpose(StrEnum):
    """What a key is for; the HKDF `info` names it, so two uses never share a key."""

    SESSIONS = "sessions"
    """Signed session cookies of the web app."""
    API_TOKENS = "api-tokens"
    """Bearer tokens of the HTTP API."""
    RECORD_IDS = "record-ids"
    """Pseudonymous record ids of datasets (build, audit, and the chatbot mapping its
    retrieval index back to live job postings). Fixed: never rotated."""
    RECEIPTS = "receipts"
    """Ed25519 seeds of the keys that sign propagation receipts."""
    ERASED_NAMES = "erased-names"
    """Keyed hashes of erased members' names, matched by the scrubber. Fixed: never
    rotated (the stored hashes would stop matching)."""
    LEDGER = "ledger"
    """HMAC seals of consent-ledger entries. Fixed: never rotated (every entry's seal is
    computed under it, and a new key would make the whole ledger fail verification)."""


ROTATABLE = frozenset({KeyPurpose.SESSIONS, KeyPurpose.API_TOKENS, KeyPurpose.RECEIPTS})


@dataclass(frozen=True)
class DerivedKey:
    """One use's key at one generation; `kid` names it without revealing it."""

    purpose: KeyPurpose
    generation: int
    secret: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        return f"{self.purpose}.{self.generation}"


@dataclass(frozen=True)
class Rotation:
    """One rotation of one use: the generation it retired, and when."""

    purpose: KeyPurpose
    retired: int
    at: str


def derive(master: bytes, purpose: KeyPurpose, generation: int) -> bytes:
    """HKDF-SHA256 of the master for (purpose, generation): 32 bytes."""
    info = f"{purpose.value}/{generation}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(master)


class Keyring:
    """Every use's key, derived from `master` at the generations in `generations`.

    Built from settings with `Keyring.load`; tests build one from bytes directly.
    Immutable: `rotate` writes the new generation to the data dir and returns a new ring.
    """

    def __init__(
        self,
        master: bytes,
        generations: Mapping[KeyPurpose, int] | None = None,
        rotations: tuple[Rotation, ...] = (),
    ):
        if len(master) < 32:
            raise ConfigError("the master secret must be at least 32 bytes")
        self._master = master
        self.generations = {p: int((generations or {}).get(p, 0)) for p in KeyPurpose}
        self.rotations = rotations

    @classmethod
    def load(cls, settings: Settings) -> Keyring:
        """The keyring of `settings.data_dir` (creating the master secret if it is new)."""
        master = settings.secret_key()
        generations, rotations = _read_state(settings.data_dir / KEYRING_FILE)
        return cls(master, generations, rotations)

    def key(self, purpose: KeyPurpose) -> DerivedKey:
        """The key `purpose` signs with now."""
        return self.key_at(purpose, self.generations[purpose])

    def key_at(self, purpose: KeyPurpose, generation: int) -> DerivedKey:
        """`purpose`'s key at `generation` (a retired one, to verify what it signed)."""
        if purpose is KeyPurpose.RECORD_IDS:
            # The key record ids were always computed under: see the module docstring.
            return DerivedKey(purpose, 0, self._master)
        if purpose not in ROTATABLE:
            # A fixed use has one key, whatever a state file says (see the module docstring).
            generation = 0
        return DerivedKey(purpose, generation, derive(self._master, purpose, generation))

    def receipt_signing_key(self, generation: int | None = None) -> Ed25519PrivateKey:
        """The Ed25519 key receipts are signed with (now, or at `generation`)."""
        gen = self.generations[KeyPurpose.RECEIPTS] if generation is None else generation
        return Ed25519PrivateKey.from_private_bytes(self.key_at(KeyPurpose.RECEIPTS, gen).secret)

    def legacy_receipt_key(self) -> bytes:
        """The HMAC key of receipts issued before they were signed with Ed25519 (format 1):
        the master secret itself. For verifying those receipts only; nothing new uses it."""
        return self._master


def rotate(settings: Settings, purpose: KeyPurpose, *, now: datetime | None = None) -> Keyring:
    """Move `purpose` to its next generation, durably; return the new keyring.

    The state file is replaced atomically, so a crash leaves the old or the new generation,
    never a torn file. Record ids cannot be rotated (their key is fixed, see above).
    """
    if purpose not in ROTATABLE:
        stored = {
            KeyPurpose.RECORD_IDS: "record ids are stored in every dataset's lineage and "
            "files, and would all change",
            KeyPurpose.ERASED_NAMES: "erased members' name hashes are stored, and would "
            "stop matching",
            KeyPurpose.LEDGER: "every consent-ledger entry is sealed under it, and the "
            "whole ledger would stop verifying",
        }[purpose]
        raise ConfigError(f"the {purpose} key cannot be rotated: {stored}")
    ring = Keyring.load(settings)
    generations = dict(ring.generations)
    retired = generations[purpose]
    generations[purpose] = retired + 1
    # Naive UTC with microseconds, the form receipts state their issue time in.
    when = (now or datetime.now(UTC)).replace(tzinfo=None).isoformat(timespec="microseconds")
    rotations = (*ring.rotations, Rotation(purpose, retired, when))
    _write_state(settings.data_dir / KEYRING_FILE, generations, rotations)
    return Keyring(ring.legacy_receipt_key(), generations, rotations)


def _read_state(path: Path) -> tuple[dict[KeyPurpose, int], tuple[Rotation, ...]]:
    if not path.exists():
        return {}, ()
    try:
        state = json.loads(path.read_text())
        generations = {KeyPurpose(p): int(g) for p, g in state.get("generations", {}).items()}
        rotations = tuple(
            Rotation(KeyPurpose(r["purpose"]), int(r["retired"]), str(r["at"]))
            for r in state.get("rotations", [])
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ConfigError(f"{path} is not a Consentry keyring state file") from None
    if any(g < 0 for g in generations.values()):
        raise ConfigError(f"{path} holds a negative key generation")
    return generations, rotations


def _write_state(
    path: Path, generations: Mapping[KeyPurpose, int], rotations: tuple[Rotation, ...]
) -> None:
    state = {
        "generations": {p.value: g for p, g in generations.items() if p in ROTATABLE},
        "rotations": [
            {"purpose": r.purpose.value, "retired": r.retired, "at": r.at} for r in rotations
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
