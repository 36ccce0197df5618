"""The life of a dataset version after its files are written: which versions are usable,
which are kept only for the record, and when their files go.

Contract (docs/architecture.md, "Dataset lifecycle"):

- Active means one version per purpose — the newest build and the successors that
  replaced it — plus the versions *pinned* by an active model (trained on the version or
  on a version it succeeded; the model moves onto the successor when propagation
  retrains it). `retire_superseded` retires every other active version of the purpose;
  a fresh build calls it in the transaction that activates it, `reconcile` on every
  start-up and build.
- A retired version, and a reproduction (a build as of an earlier ledger position, which
  training refuses), keeps its files for `Settings.dataset_retention_days` after it
  stopped being usable (`files_due`); `purge_expired` then deletes its data files and
  records when. Its row and documents stay as the record of what existed. An erasure
  deletes the files at once (`rights/propagation.py`).
- No complete dataset exists outside the registry: `reconcile` removes the rows, lineage
  and folder of a version left `publishing` by a process that died on this host, and
  any folder in the datasets folder that no row names.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.store.dataset_tables import (
    DatasetLineageRow,
    DatasetShardRow,
    DatasetStatus,
    DatasetVersionRow,
)
from consentry.store.engine import session_scope, utcnow
from consentry.store.training_tables import ModelStatus, ModelVersionRow

#: Work folders of a publication in progress (`<prefix><pid>-<id>`).
WORK_PREFIXES = (".staging-", ".scratch-")


def datasets_root(settings: Settings) -> Path:
    """Where published dataset versions live: one folder each, named by id."""
    return settings.data_dir / "datasets"


def publisher_id() -> str:
    """`host:pid` of this process, as a `publishing` row records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _publisher_gone(publisher: str | None) -> bool:
    """True when the process named `host:pid` is known to be dead: it ran on this host and
    no longer runs. A publisher on another host is left to that host's sweeps."""
    if not publisher:
        return True
    host, _, pid_text = publisher.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and not pid_alive(pid)


# -- active, pinned, retired ------------------------------------------------------------


def _ancestors(versions: dict[str, DatasetVersionRow], dataset_id: str) -> list[str]:
    """`dataset_id` and the versions it succeeded, newest first."""
    chain: list[str] = []
    current: str | None = dataset_id
    while current is not None and current not in chain:
        chain.append(current)
        row = versions.get(current)
        current = row.parent_id if row is not None else None
    return chain


def pinned(session: Session, purpose: str | None = None) -> set[str]:
    """Active versions an active model holds on to: it was trained on the version, or on a
    version the version succeeded (propagation is about to move the model onto it)."""
    stmt = select(DatasetVersionRow)
    if purpose is not None:
        stmt = stmt.where(DatasetVersionRow.purpose == purpose)
    versions = {row.id: row for row in session.scalars(stmt)}
    trained_on = set(
        session.scalars(
            select(ModelVersionRow.dataset_id).where(ModelVersionRow.status == ModelStatus.ACTIVE)
        )
    )
    return {
        v.id
        for v in versions.values()
        if v.status == DatasetStatus.ACTIVE and trained_on & set(_ancestors(versions, v.id))
    }


def _versions_of(session: Session, purpose: str) -> dict[str, DatasetVersionRow]:
    return {
        r.id: r
        for r in session.scalars(
            select(DatasetVersionRow).where(DatasetVersionRow.purpose == purpose)
        )
    }


def _current_line(rows: dict[str, DatasetVersionRow], current: str | None = None) -> set[str]:
    """The active versions on the current line of a purpose: `current` and what
    succeeded it, or by default the line of the newest fresh build among the active."""
    active = [r for r in rows.values() if r.status == DatasetStatus.ACTIVE]
    if not active:
        return set()
    roots = {r.id: _ancestors(rows, r.id)[-1] for r in active}
    if current is None:
        current = max(active, key=lambda r: (rows[roots[r.id]].created_at, roots[r.id])).id
    line = roots.get(current, current)
    return {r.id for r in active if roots[r.id] == line}


def retire_superseded(session: Session, purpose: str, *, current: str | None = None) -> list[str]:
    """Retire the active versions of `purpose` that are neither on the current line (see
    `_current_line`) nor pinned; returns their ids."""
    rows = _versions_of(session, purpose)
    keep = _current_line(rows, current) | pinned(session, purpose)
    now = utcnow()
    retired = []
    for row in rows.values():
        if row.status == DatasetStatus.ACTIVE and row.id not in keep:
            row.status, row.retired_at = DatasetStatus.RETIRED, now
            retired.append(row.id)
    return sorted(retired)


# -- files: retention -------------------------------------------------------------------


class _Dated(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def retired_at(self) -> datetime | None: ...


def files_due(version: _Dated, settings: Settings) -> datetime | None:
    """When a version's data files are due to be deleted: the retention period after it
    stopped being usable; None while it is usable (or publishing)."""
    if version.status not in (DatasetStatus.RETIRED, DatasetStatus.REPRODUCTION):
        return None
    since = version.retired_at or version.created_at
    return since + timedelta(days=settings.dataset_retention_days)


def delete_files(folder: Path) -> None:
    """Delete a version's data files (shards reused by a successor survive through their
    other hard link); the documents stay as the record of what existed."""
    for path in sorted((folder / "data").glob("*.parquet")):
        path.unlink(missing_ok=True)


def mark_files_deleted(session: Session, dataset_ids: list[str]) -> None:
    """Record that these versions' data files are gone (first deletion only).

    One UPDATE, no read before it: on SQLite a transaction that read first and then
    writes fails at once ("database is locked") when another writer committed meanwhile,
    while a write that opens the transaction waits for the lock."""
    session.execute(
        update(DatasetVersionRow)
        .where(DatasetVersionRow.id.in_(dataset_ids), DatasetVersionRow.files_deleted_at.is_(None))
        .values(files_deleted_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def purge_expired(db: Engine, settings: Settings) -> list[str]:
    """Delete the data files of every retired version and reproduction whose retention
    has run out; returns their ids."""
    now = utcnow()
    root = datasets_root(settings)
    with session_scope(db) as session:
        due = [
            row.id
            for row in session.scalars(
                select(DatasetVersionRow).where(
                    DatasetVersionRow.status.in_(
                        [DatasetStatus.RETIRED, DatasetStatus.REPRODUCTION]
                    ),
                    DatasetVersionRow.files_deleted_at.is_(None),
                )
            )
            if (when := files_due(row, settings)) is not None and when <= now
        ]
    for dataset_id in due:
        delete_files(root / dataset_id)
    if due:
        with session_scope(db) as session:
            mark_files_deleted(session, due)
    return due


# -- the registry and the folders agree -------------------------------------------------


def unregister(session: Session, dataset_id: str) -> None:
    """Remove a version that never became usable: its lineage, shards and row."""
    session.execute(delete(DatasetLineageRow).where(DatasetLineageRow.dataset_id == dataset_id))
    session.execute(delete(DatasetShardRow).where(DatasetShardRow.dataset_id == dataset_id))
    session.execute(delete(DatasetVersionRow).where(DatasetVersionRow.id == dataset_id))


def sweep_work_folders(root: Path, prefixes: tuple[str, ...] = WORK_PREFIXES) -> None:
    """Remove work folders (`<prefix><pid>-…`) left by processes that are gone. A folder
    of this very process is left alone: another publication may be using it (the web app
    propagates in several threads)."""
    for entry in root.iterdir():
        if not entry.name.startswith(prefixes):
            continue
        pid_text = entry.name.split("-")[1]
        pid = int(pid_text) if pid_text.isdigit() else 0
        if pid == os.getpid() or (pid and pid_alive(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


@dataclass(frozen=True)
class Reconciled:
    """What a reconcile pass changed."""

    abandoned: tuple[str, ...] = ()
    orphan_folders: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    purged: tuple[str, ...] = ()


def reconcile(db: Engine, settings: Settings) -> Reconciled:
    """Make the registry and the datasets folder agree, retire superseded versions and
    purge expired files (module docstring). Safe to run at any time, in any number of
    processes: it touches only what a dead process left or what no row names."""
    root = datasets_root(settings)
    if root.exists():
        sweep_work_folders(root)
        # Folders first, rows second: a folder renamed into place after this listing has
        # its row committed before the rename, so it is never mistaken for an orphan.
        folders = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    else:
        folders = set()
    abandoned: list[str] = []
    retired: list[str] = []
    with session_scope(db) as session:
        known = set(session.scalars(select(DatasetVersionRow.id)))
        for row in session.scalars(
            select(DatasetVersionRow).where(DatasetVersionRow.status == DatasetStatus.PUBLISHING)
        ):
            if _publisher_gone(row.publisher):
                abandoned.append(row.id)
        for dataset_id in abandoned:
            unregister(session, dataset_id)
        purposes = set(
            session.scalars(
                select(DatasetVersionRow.purpose)
                .where(DatasetVersionRow.status == DatasetStatus.ACTIVE)
                .distinct()
            )
        )
        for purpose in sorted(purposes):
            retired.extend(retire_superseded(session, purpose))
    orphans = sorted(folders - known)
    for name in (*abandoned, *orphans):
        shutil.rmtree(root / name, ignore_errors=True)
    purged = purge_expired(db, settings)
    return Reconciled(tuple(abandoned), tuple(orphans), tuple(retired), tuple(purged))


# -- what the operator pages show --------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """How a version stands today: `label` is active, pinned (active only because an
    active model holds it), retired or reproduction; `files` says whether its data files
    are kept, when they go, or when they went."""

    label: str
    files: str
    files_due: datetime | None = None


class _Version(_Dated, Protocol):
    @property
    def id(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def files_deleted_at(self) -> datetime | None: ...


def standings(
    session: Session, settings: Settings, versions: Sequence[_Version]
) -> dict[str, Standing]:
    """The standing of each of `versions` (see `Standing`)."""
    held = pinned(session)
    current: dict[str, set[str]] = {
        purpose: _current_line(_versions_of(session, purpose))
        for purpose in {v.purpose for v in versions}
    }
    out: dict[str, Standing] = {}
    for v in versions:
        label = str(v.status)
        if (
            v.status == DatasetStatus.ACTIVE
            and v.id in held
            and v.id not in current.get(v.purpose, set())
        ):
            label = "pinned"
        due = files_due(v, settings)
        if v.files_deleted_at is not None:
            files = f"deleted {v.files_deleted_at:%Y-%m-%d %H:%M} UTC"
        elif due is not None:
            files = f"kept until {due:%Y-%m-%d %H:%M} UTC"
        else:
            files = "kept while in use"
        out[v.id] = Standing(label, files, due)
    return out
