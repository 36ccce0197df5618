"""Deterministic artifact formats and the atomic publication of a model version's files.

Sub-model artifacts are compared byte for byte to prove unlearning exact, so the same
parameters must always serialise to the same bytes:
- count models and indexes: canonical JSON (sorted keys, no spaces, UTF-8);
- array models (scikit-learn's fitted arrays): a zip of `.npy` members in name order with
  a fixed timestamp (`np.savez` stamps the current time into the zip, which would make two
  identical models differ).
No pickle: an artifact is data, never code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from consentry.datasets.publish import sweep

_EPOCH = (1980, 1, 1, 0, 0, 0)


def dump_json(obj: Any) -> bytes:
    """Canonical JSON bytes of `obj`."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def load_json(data: bytes) -> Any:
    return json.loads(data.decode())


def dump_arrays(arrays: Mapping[str, np.ndarray]) -> bytes:
    """A deterministic `.npz`: `.npy` members in name order, fixed timestamps, stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
    return out.getvalue()


def load_arrays(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def models_root(data_dir: Path) -> Path:
    """Where model versions live: `<data_dir>/models/<model_id>/shard-XXXXX.<ext>`."""
    return data_dir / "models"


def shard_file(shard: int, ext: str) -> str:
    return f"shard-{shard:05d}.{ext}"


class ModelFolder:
    """A model version's folder, written in staging and renamed into place in one step.

    `write` and `link` fill `.staging-<pid>-<id>`; `publish` renames it to `<id>`. Until
    the rename nothing is visible; a crashed writer leaves only a staging folder, which
    the next publication sweeps. The caller commits the registry rows after `publish` and
    calls `discard` if that commit fails, so a folder without a row never lingers.
    """

    def __init__(self, data_dir: Path, model_id: str) -> None:
        self.root = models_root(data_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        sweep(self.root, (".staging-",))
        self.final = self.root / model_id
        self.staging = self.root / f".staging-{os.getpid()}-{model_id}"
        self.staging.mkdir()

    def write(self, name: str, data: bytes) -> None:
        path = self.staging / name
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def link(self, source: Path, name: str) -> None:
        """Take a sub-model over unchanged from an earlier version: a hard link, not a copy."""
        try:
            os.link(source, self.staging / name)
        except OSError:  # another filesystem: a copy is the only way
            shutil.copy2(source, self.staging / name)

    def publish(self) -> Path:
        os.replace(self.staging, self.final)
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(self.final, ignore_errors=True)
