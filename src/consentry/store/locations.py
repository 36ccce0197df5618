"""Where a dataset or model version's files are: stored relative to the data folder.

The registry stores each version's folder as a path relative to the data folder
(`Settings.data_dir`), e.g. `datasets/ds-…` or `models/mdl-…`, always with `/`
separators, and resolves it against the data folder in use when the files are read or
deleted. A data folder copied, restored or moved elsewhere therefore finds its own files,
and never another installation's.

Contract:

- `to_location(data_dir, folder)` is the stored form of `folder`; a folder outside the
  data folder cannot be stored (`OutsideDataFolder`).
- `resolve_location(data_dir, stored)` is the folder a stored location names today. An
  absolute stored path (written by a version before 0006, whose migration could not
  rewrite it) is accepted only while it lies inside the data folder. Anything that
  resolves outside the data folder — an absolute path into another folder, `..`
  segments, a symbolic link that leaves it — is refused with `OutsideDataFolder`, so no
  read and no deletion ever reaches files this installation does not own. Links are
  followed before the check: the data folder itself may be a link, but nothing in it may
  lead out of it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from consentry.errors import Conflict


class OutsideDataFolder(Conflict):
    """A stored path names a place outside the data folder: nothing there is ours to touch."""


def to_location(data_dir: Path, folder: Path) -> str:
    """The stored form of `folder`: its path relative to `data_dir`, with `/` separators."""
    root = data_dir.resolve()
    target = folder.resolve()
    if target == root or not target.is_relative_to(root):
        raise OutsideDataFolder(
            f"{folder} lies outside the data folder {root}: it cannot be stored"
        )
    return PurePosixPath(target.relative_to(root)).as_posix()


def resolve_location(data_dir: Path, stored: str, *, owner: str = "") -> Path:
    """The folder that the stored location `stored` names under `data_dir`.

    `owner` names the version in the error (e.g. "dataset ds-1"). Raises
    `OutsideDataFolder` when the location resolves outside the data folder.
    """
    root = data_dir.resolve()
    given = Path(stored)
    target = (given if given.is_absolute() else root / given).resolve()
    if target == root or not target.is_relative_to(root):
        whose = f"{owner}: " if owner else ""
        hint = (
            " (an absolute path from before the data folder was moved: move it back and run "
            "`consentry init`, or restore the registry with the folder it belongs to)"
            if given.is_absolute()
            else ""
        )
        raise OutsideDataFolder(
            f"{whose}its stored path {stored!r} lies outside the data folder {root}; "
            f"refusing to read or delete anything there{hint}"
        )
    return target


def relative_if_inside(data_dir: Path, stored: str) -> str | None:
    """The relative form of an absolute `stored` path that lies inside `data_dir`, else
    None (already relative, or outside: left for `resolve_location` to refuse). Used by
    the migration that made stored paths relative."""
    given = Path(stored)
    if not given.is_absolute():
        return None
    root = data_dir.resolve()
    target = given.resolve()
    if target == root or not target.is_relative_to(root):
        return None
    return PurePosixPath(target.relative_to(root)).as_posix()
