"""Registered, atomic publication of a dataset version.

    write the shards into `.staging-<pid>-<id>`                     fault step "staged"
    write the documents beside them                                            "documented"
    commit the row as `publishing`, with its shards and lineage                "registered"
    rename the folder into place                                               "renamed"
    under the ledger lock: check every member against the head, then commit
    the row `active` (retiring what it supersedes) or `reproduction`           "published"

So there is no moment at which a complete dataset exists outside the registry: the row is
committed before the folder takes its final name. A process that dies after registering
leaves a `publishing` row naming it (`host:pid`); `lifecycle.reconcile`, run by every build
and at start-up, removes such a row with its lineage and folder, any folder no row names,
and the work folders of dead processes. A failure in this process unregisters at once.

A version that becomes active honours every withdrawal, objection and erasure recorded up
to its publication: the last step re-derives, under the same lock that serialises ledger
appends, every member's decision at the head; if any member of the version is now denied,
the version is unregistered and `refresh` rebuilds it at the new head (bounded retries).
A propagation that starts after the commit finds the version like any other. A
reproduction (a build as of an earlier position) is the past exactly; it is never active.

`Settings.fault_at` names a step after which the process kills itself (SIGKILL): a hook
for tests that prove the above, empty in every real installation.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import Engine, false, insert, or_, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent import checkpoints
from consentry.consent.ledger import hold_appends, ledger_session
from consentry.datasets import snapshot as snapshots
from consentry.datasets.engines import DatasetEngine, ShardWrite, file_sha256
from consentry.datasets.lifecycle import (
    datasets_root,
    publisher_id,
    reconcile,
    retire_superseded,
    sweep_work_folders,
    unregister,
)
from consentry.errors import Conflict, Transient
from consentry.store.dataset_tables import (
    DatasetLineageRow,
    DatasetShardRow,
    DatasetStatus,
    DatasetVersionRow,
)
from consentry.store.engine import session_scope, utcnow
from consentry.store.locations import to_location
from consentry.store.tables import Member

__all__ = ["FAULT_STEPS", "Publication", "datasets_root", "publish", "sweep"]

LINEAGE_BATCH = 20_000
#: The steps after which `Settings.fault_at` may kill a publication, in order.
FAULT_STEPS = ("staged", "documented", "registered", "renamed", "published")
#: How many times a version is rebuilt because members withdrew while it was written.
MAX_ATTEMPTS = 4

#: Work-folder sweeping, shared with the model registry's publications.
sweep = sweep_work_folders


@dataclass
class Publication:
    """Everything known about a dataset version before it is published."""

    dataset_id: str
    purpose: str
    snap: Any
    engine: DatasetEngine
    shards: int
    counts: dict[str, int]
    excluded: dict[str, int]
    scrubbed: Counter[str]
    parent_id: str | None = None
    #: A build as of an earlier ledger position: published as a reproduction.
    reproduction: bool = False
    #: Shards whose file was taken over from an earlier version (shard -> that version):
    #: a successor's shards whose fresh selection equals the parent's, record for record.
    reused: dict[int, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


def publish(
    db: Engine,
    settings: Settings,
    pub: Publication,
    *,
    write: Callable[[Path, Path], ShardWrite],
    documents: Callable[..., dict[str, Any]],
    refresh: Callable[[], None] | None = None,
    in_transaction: Callable[[Session], None] | None = None,
) -> tuple[Path, list[dict[str, Any]]]:
    """Write, document, register and publish `pub`; returns (folder, file entries).

    `write(staging, scratch)` produces the shard files from `pub.snap`. `refresh()` moves
    `pub` to a new snapshot at the head (and recounts) when members were denied meanwhile;
    without it such a publication fails with Transient. `in_transaction(session)` runs in
    the transaction that activates the version (a successor retires its parent there).
    """
    root = datasets_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    reconcile(db, settings)
    for _ in range(MAX_ATTEMPTS):
        final, files, denied = _attempt(db, settings, pub, write, documents, in_transaction)
        if not denied:
            # A signed head outside the database at every publication (consent/checkpoints).
            with session_scope(db) as session:
                checkpoints.write(session, settings, checkpoints.Reason.BUILD)
            return final, files
        if refresh is None:
            break
        refresh()
    raise Transient(
        f"members of {pub.purpose} kept withdrawing while dataset {pub.dataset_id} was "
        "being published; nothing was published, run it again"
    )


def _fault(settings: Settings, step: str) -> None:
    if settings.fault_at == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _attempt(
    db: Engine,
    settings: Settings,
    pub: Publication,
    write: Callable[[Path, Path], ShardWrite],
    documents: Callable[..., dict[str, Any]],
    in_transaction: Callable[[Session], None] | None,
) -> tuple[Path, list[dict[str, Any]], tuple[int, ...]]:
    root = datasets_root(settings)
    tag = f"{os.getpid()}-{pub.dataset_id}"
    staging, scratch, final = (
        root / f".staging-{tag}",
        root / f".scratch-{tag}",
        root / pub.dataset_id,
    )
    registered = False
    try:
        written = write(staging, scratch)
        _fault(settings, "staged")
        files = [
            {
                "shard": f.shard,
                "file": f"data/{f.path.name}",
                "rows": f.rows,
                "sha256": f.sha256,
                "as_of_seq": pub.snap.seq,
                "as_of_hash": pub.snap.head_hash,
                "as_of_time": pub.snap.at,
                "reused": f.shard in pub.reused,
                "reused_from": pub.reused.get(f.shard),
            }
            for f in sorted(written.files, key=lambda f: f.shard)
        ]
        members = pq.read_table(written.lineage, columns=["member_id"]).column("member_id")
        pub.counts["records"] = sum(f["rows"] for f in files)
        pub.counts["members"] = len(set(members.to_pylist()))
        pub.counts["duplicates_dropped"] = written.duplicates_dropped
        documents(staging, pub=pub, files=files)
        _fault(settings, "documented")
        location = to_location(settings.data_dir, final)
        with session_scope(db) as session:
            _record(session, pub, location, staging, files, written)
        registered = True
        _fault(settings, "registered")
        os.replace(staging, final)
        _fault(settings, "renamed")
        denied = _activate(db, pub, in_transaction)
        registered = False  # activated, or unregistered by the check
        if denied:
            shutil.rmtree(final, ignore_errors=True)
            return final, files, denied
        _fault(settings, "published")
        return final, files, ()
    except BaseException:
        if registered:
            with session_scope(db) as session:
                unregister(session, pub.dataset_id)
            shutil.rmtree(final, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _activate(
    db: Engine, pub: Publication, in_transaction: Callable[[Session], None] | None
) -> tuple[int, ...]:
    """Make the registered version usable (or a reproduction) under the ledger lock;
    returns the members now denied (the version is then unregistered), else ()."""
    with ledger_session(db) as session:
        hold_appends(session)
        row = session.get(DatasetVersionRow, pub.dataset_id)
        if row is None or row.status != DatasetStatus.PUBLISHING:
            raise Conflict(f"dataset {pub.dataset_id} was swept before it was published")
        if pub.reproduction:
            row.status, row.retired_at = DatasetStatus.REPRODUCTION, utcnow()
        else:
            denied = denied_members(session, pub)
            if denied:
                unregister(session, pub.dataset_id)
                return denied
            row.status = DatasetStatus.ACTIVE
            if pub.parent_id is None:
                retire_superseded(session, pub.purpose, current=pub.dataset_id)
        row.publisher = None
        if in_transaction:
            in_transaction(session)
    return ()


def denied_members(session: Session, pub: Publication) -> tuple[int, ...]:
    """Members of the registered version `pub` whose decision at the ledger head (under
    the version's policy) denies its purpose, or who were erased."""
    head = snapshots.take(session, purpose=pub.purpose, policy_version=pub.snap.policy_version)
    decisions = head.decisions
    lineage = DatasetLineageRow
    stmt = (
        select(lineage.member_id)
        .distinct()
        .join(Member, Member.id == lineage.member_id, isouter=True)
        .join(decisions, decisions.c.member_id == lineage.member_id, isouter=True)
        .where(
            lineage.dataset_id == pub.dataset_id,
            or_(
                Member.id.is_(None),
                Member.deleted_at.is_not(None),
                decisions.c.member_id.is_(None),
                decisions.c.allowed == false(),
            ),
        )
    )
    return tuple(sorted(session.scalars(stmt)))


def _record(
    session: Session, pub: Publication, location: str, folder: Path, files, written: ShardWrite
) -> None:
    snap = pub.snap
    session.add(
        DatasetVersionRow(
            id=pub.dataset_id,
            purpose=pub.purpose,
            status=DatasetStatus.PUBLISHING,
            publisher=publisher_id(),
            engine=pub.engine.name,
            shards=pub.shards,
            as_of_seq=snap.seq,
            as_of_hash=snap.head_hash,
            as_of_time=snap.at,
            policy_version=snap.policy_version,
            policy_hash=snap.policy_hash,
            path=location,
            manifest_sha256=file_sha256(folder / "manifest.json"),
            records=pub.counts["records"],
            members=pub.counts["members"],
            parent_id=pub.parent_id,
            created_at=utcnow(),
        )
    )
    session.flush()
    session.execute(
        insert(DatasetShardRow),
        [
            {
                "dataset_id": pub.dataset_id,
                **{k: f[k] for k in ("shard", "file", "rows", "sha256", "as_of_seq", "as_of_time")},
            }
            for f in files
        ],
    )
    for batch in pq.ParquetFile(written.lineage).iter_batches(batch_size=LINEAGE_BATCH):
        rows = batch.to_pylist()
        if rows:
            session.execute(
                insert(DatasetLineageRow), [{"dataset_id": pub.dataset_id, **row} for row in rows]
            )


def link_file(source: Path, target: Path) -> None:
    """`target` as a hard link to `source` (a copy across filesystems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem: a copy is the only way
        shutil.copy2(source, target)
