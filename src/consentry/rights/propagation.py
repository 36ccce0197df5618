"""Propagation: carry one withdrawal or erasure through every dataset, model and index.

    datasets   each active dataset of the purpose (every purpose, for an erasure) that
               holds the member -> a successor rebuilding only the member's shard; the old
               version retired (and, for an erasure, its files deleted)
    models     each active model trained on a retired dataset -> the affected shard's
               sub-model retrained on the successor, the new model version activated
    retrieval  the member's content removed from every retrieval index
    purge      an erasure only: files of earlier versions that held the member deleted,
               then the data folder checked for the member's records (rights/erasure_check.py)
    receipt    a signed receipt naming everything retired and created, and for an erasure
               what the check found; job marked done

Every unit of work is recorded in the job's progress as soon as it is done, and every
unit is idempotent, so a worker killed at any point leaves a job that the next worker
resumes and completes with the same result: a dataset already retired is followed to the
successor that replaced it (`dataset_versions.parent_id`), a model already retrained is
returned by the registry as it stands, and the receipt is issued in the same transaction
that marks the job done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.catalog import datasets_holding
from consentry.datasets.lifecycle import mark_files_deleted
from consentry.datasets.records import shard_of
from consentry.datasets.successor import build_successor, delete_files
from consentry.errors import Conflict, ConsentryError, Transient
from consentry.rights import queue
from consentry.rights.erasure_check import verify_erasure
from consentry.rights.progress import PropagationStep
from consentry.rights.receipt_document import issue
from consentry.store.dataset_tables import DatasetLineageRow, DatasetStatus, DatasetVersionRow
from consentry.store.engine import get_row, session_scope, utcnow
from consentry.store.locations import resolve_location
from consentry.store.rights_tables import JobKind, JobStatus
from consentry.store.training_tables import ModelStatus, ModelVersionRow

STEPS = tuple(PropagationStep)
#: How many times the models step re-checks for models that a concurrent propagation moved.
MAX_SWEEPS = 10


@dataclass(frozen=True)
class PropagationEvent:
    """A unit of propagation work has been done and recorded (durably) for `job_id`.

    `step` is one of STEPS. `detail` is the id of the dataset or model just replaced,
    "planned" (or "planned <dataset>") when a plan was recorded, "swept" when models moved
    by a concurrent propagation were added, and empty when the whole step is finished.
    """

    job_id: int
    step: str
    detail: str = ""


Hook = Callable[[PropagationEvent], None]


@dataclass
class Outcome:
    """What running one job did."""

    job_id: int
    member_id: int
    kind: str
    purpose: str
    status: str
    seconds: float
    receipt_id: str | None = None
    datasets: list[tuple[str, str | None]] = field(default_factory=list)
    models: list[tuple[str, str | None]] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        what = {JobKind.ERASE: "erasure", JobKind.REFRESH: "refresh"}.get(
            JobKind(self.kind), f"withdrawal of {self.purpose}"
        )
        if self.status != JobStatus.DONE:
            return (
                f"job {self.job_id} (member {self.member_id}, {what}): {self.status}: {self.error}"
            )
        changed = [f"dataset {a} -> {b}" for a, b in self.datasets]
        changed += [f"model {a} -> {b}" for a, b in self.models]
        changed += [f"index {i}" for i in self.indexes]
        return (
            f"job {self.job_id} (member {self.member_id}, {what}) done in "
            f"{self.seconds:.2f}s, receipt {self.receipt_id}: "
            + ("; ".join(changed) if changed else "nothing held the member")
        )


def _model_ref(model) -> dict[str, str]:
    return {"model": model.id, "feature": model.feature, "purpose": model.purpose}


class _Run:
    """One worker's pass over one claimed job."""

    def __init__(self, db: Engine, settings: Settings, job: queue.ClaimedJob, hook: Hook | None):
        self.db, self.settings, self.job, self.hook = db, settings, job, hook
        self.progress: dict[str, Any] = job.progress
        self.progress.setdefault("steps_done", [])
        self.progress.setdefault("timings", {})

    def save(self, step: str, detail: str = "") -> None:
        queue.record_progress(self.db, self.job, step=step, progress=self.progress)
        if self.hook is not None:
            self.hook(PropagationEvent(self.job.id, step, detail))

    def in_scope(self, purpose: str) -> bool:
        return self.job.kind in (JobKind.ERASE, JobKind.REFRESH) or purpose == self.job.purpose

    # -- datasets -------------------------------------------------------------------

    def to_replace(self, session: Session, dataset_ids: list[str]) -> list[str]:
        """Those of `dataset_ids` (each holding the member) this job must replace. A
        withdrawal or erasure replaces every one. A refresh replaces only those selected
        before it started: one selected later already read the changed content, and holds
        the member, still consenting, by design."""
        if self.job.kind != JobKind.REFRESH or not dataset_ids:
            return dataset_ids
        cutoff = self.job.started_at or utcnow()
        fresh = set(
            session.scalars(
                select(DatasetVersionRow.id).where(
                    DatasetVersionRow.id.in_(dataset_ids),
                    DatasetVersionRow.as_of_time >= cutoff,
                )
            )
        )
        return [i for i in dataset_ids if i not in fresh]

    def holders(self) -> list[str]:
        with session_scope(self.db) as s:
            ids = self.to_replace(s, datasets_holding(s, self.job.member_id))
            purposes = dict(
                s.execute(
                    select(DatasetVersionRow.id, DatasetVersionRow.purpose).where(
                        DatasetVersionRow.id.in_(ids)
                    )
                ).all()
            )
        return [i for i in ids if self.in_scope(purposes[i])]

    def datasets(self) -> None:
        entries: list[dict[str, Any]] = self.progress.setdefault("datasets", [])
        if "planned" not in self.progress:
            entries.extend({"parent": i} for i in self.holders())
            self.progress["planned"] = True
            self.save("datasets", "planned")
        while True:
            for entry in entries:
                if "successor" not in entry:
                    self.succeed(entry)
                    self.save("datasets", entry["parent"])
            # A build that took its snapshot before the withdrawal may publish after it,
            # and a successor made for someone else may have reused this member's shard:
            # whatever still holds the member is handled too. The successors made here are
            # not: after a refresh they hold the member (still consenting) by design, and
            # rebuilding them would never end.
            known = {e["parent"] for e in entries} | {
                e["successor"] for e in entries if e.get("successor")
            }
            extra = [i for i in self.holders() if i not in known]
            if not extra:
                return
            entries.extend({"parent": i} for i in extra)

    def member_records(self, dataset_id: str) -> int:
        with session_scope(self.db) as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(DatasetLineageRow)
                    .where(
                        DatasetLineageRow.dataset_id == dataset_id,
                        DatasetLineageRow.member_id == self.job.member_id,
                    )
                )
                or 0
            )

    def succeed(self, entry: dict[str, Any]) -> None:
        member, erase = self.job.member_id, self.job.kind == JobKind.ERASE
        with session_scope(self.db) as s:
            parent = get_row(s, DatasetVersionRow, entry["parent"])
            entry["records_removed"] = s.scalar(
                select(func.count())
                .select_from(DatasetLineageRow)
                .where(
                    DatasetLineageRow.dataset_id == parent.id,
                    DatasetLineageRow.member_id == member,
                )
            )
            status, path, shards = parent.status, parent.path, parent.shards
        if status == DatasetStatus.ACTIVE:
            try:
                done = build_successor(
                    self.db,
                    self.settings,
                    entry["parent"],
                    member_ids=(member,),
                    reason=f"{self.job.kind} by member {member} (ledger {self.job.ledger_seq})",
                    delete_parent_files=erase,
                )
                entry.update(
                    successor=done.successor_id,
                    rebuilt_shards=list(done.rebuilt_shards),
                    reused_shards=list(done.reused_shards),
                    files_deleted=done.parent_files_deleted,
                )
                if self.job.kind == JobKind.REFRESH:
                    # The member stays: what left is what the fresh selection no longer holds.
                    entry["records_removed"] = max(
                        0, entry["records_removed"] - self.member_records(done.successor_id)
                    )
                return
            except Exception:
                # A concurrent propagation retired the parent first (the successor build
                # then fails its retire check, or finds the parent's files deleted by an
                # erasure): follow the parent to that successor. Anything else is an error.
                with session_scope(self.db) as s:
                    if (
                        get_row(s, DatasetVersionRow, entry["parent"]).status
                        == DatasetStatus.ACTIVE
                    ):
                        raise
        # Retired already: by this job before a crash, or by a concurrent propagation.
        with session_scope(self.db) as s:
            child = s.scalar(
                select(DatasetVersionRow.id)
                .where(
                    DatasetVersionRow.parent_id == entry["parent"],
                    DatasetVersionRow.status != DatasetStatus.PUBLISHING,
                )
                .order_by(DatasetVersionRow.created_at.desc())
                .limit(1)
            )
        if erase:
            delete_files(self.folder("dataset", entry["parent"], path))
        entry.update(
            successor=child,
            rebuilt_shards=[shard_of(member, shards)],
            reused_shards=[n for n in range(shards) if n != shard_of(member, shards)],
            files_deleted=erase,
        )

    # -- models ---------------------------------------------------------------------

    def models(self) -> None:
        from consentry.training import registry

        entries = [e for e in self.progress.get("datasets", []) if e.get("successor")]
        for entry in entries:
            if "models" not in entry:
                with session_scope(self.db) as s:
                    trained = registry.models_trained_on(s, entry["parent"])
                entry["models"] = [_model_ref(m) for m in trained]
                self.save("models", f"planned {entry['parent']}")
        self.retrain(entries)
        # Another member's propagation may have moved a model onto a successor that
        # still holds this member (it rebuilt another shard) while this one was running:
        # sweep until no active model of the scope was trained on a dataset holding them.
        for _ in range(MAX_SWEEPS):
            with session_scope(self.db) as s:
                held = [
                    m
                    for m in registry.models_containing(s, self.job.member_id)
                    if self.in_scope(m.purpose)
                ]
                replace = set(self.to_replace(s, sorted({m.dataset_id for m in held})))
                stale = [m for m in held if m.dataset_id in replace]
            if not stale:
                return
            by_parent = {e["parent"]: e for e in entries}
            for model in stale:
                entry = by_parent.get(model.dataset_id)
                if entry is None:
                    # Its dataset was retired by someone else: follow it to its successor.
                    entry = {"parent": model.dataset_id, "models": []}
                    self.succeed(entry)
                    self.progress["datasets"].append(entry)
                    entries.append(entry)
                    by_parent[entry["parent"]] = entry
                entry["models"].append(_model_ref(model))
            self.save("models", "swept")
            self.retrain(entries)
        raise Transient(f"models of member {self.job.member_id} kept changing; retrying")

    def retrain(self, entries: list[dict[str, Any]]) -> None:
        from consentry.training import registry, sisa

        for entry in list(entries):
            for model in entry.setdefault("models", []):
                if "successor" in model:
                    continue
                for _ in range(MAX_SWEEPS):
                    target = self.target(entry["successor"], entries)
                    try:
                        # Idempotent: returns the model already active there, if any.
                        new = sisa.retrain_successor(
                            self.db,
                            self.settings,
                            model["model"],
                            dataset_id=target,
                            shards=tuple(entry["rebuilt_shards"]),
                        )
                    except ConsentryError:
                        with session_scope(self.db) as s:
                            if registry.get_model(s, model["model"]).status != ModelStatus.ACTIVE:
                                new = None  # superseded by a concurrent propagation first
                                break
                            if get_row(s, DatasetVersionRow, target).status == DatasetStatus.ACTIVE:
                                raise
                        continue  # the target was retired meanwhile: find its successor
                    break
                else:
                    raise Transient(f"datasets kept changing under model {model['model']}")
                # None: a concurrent propagation superseded it; if the version that
                # replaced it still holds this member, the sweep moves that one.
                model["successor"] = None if new is None else new.id
                self.save("models", model["model"])

    def target(self, dataset_id: str, entries: list[dict[str, Any]]) -> str:
        """The active version descending from `dataset_id` that does not hold the member
        (succeeding it here if it does: a concurrent propagation for someone else may
        have replaced our successor with one that reused this member's shard)."""
        for _ in range(MAX_SWEEPS):
            with session_scope(self.db) as s:
                current = dataset_id
                while (
                    row := get_row(s, DatasetVersionRow, current)
                ).status != DatasetStatus.ACTIVE:
                    child = s.scalar(
                        select(DatasetVersionRow.id).where(
                            DatasetVersionRow.parent_id == current,
                            DatasetVersionRow.status != DatasetStatus.PUBLISHING,
                        )
                    )
                    if child is None:
                        raise Conflict(f"dataset {current} is {row.status}, with no successor")
                    current = child
                holds = s.scalar(
                    select(func.count())
                    .select_from(DatasetLineageRow)
                    .where(
                        DatasetLineageRow.dataset_id == current,
                        DatasetLineageRow.member_id == self.job.member_id,
                    )
                )
            if not holds or not self.to_replace(s, [current]):
                return current
            entry: dict[str, Any] = {"parent": current, "models": []}
            self.succeed(entry)
            entries.append(entry)
            self.progress["datasets"].append(entry)
            self.save("models", f"succeeded {current}")
            dataset_id = entry["successor"]
        raise Transient(f"datasets kept changing after {dataset_id}")

    # -- retrieval ------------------------------------------------------------------

    def retrieval(self) -> None:
        """Retrieval indexes are models too, so the models step has moved those trained on
        a retired dataset; this step catches any index of the scope still holding the
        member (one trained on a dataset that was succeeded by another propagation)."""
        from consentry.training import registry, sisa

        known = self.progress.setdefault("indexes", [])
        for entry in self.progress.get("datasets", []):
            for model in entry.get("models", []):
                new = model.get("successor")
                if model["feature"] == "retrieval" and new and new not in known:
                    known.append(new)
        with session_scope(self.db) as s:
            holding = [
                m
                for m in registry.models_containing(s, self.job.member_id)
                if m.feature == "retrieval" and self.in_scope(m.purpose)
            ]
        # A refresh keeps the member (still consenting): the models step moved every index
        # trained on a refreshed dataset, and that is all a content change asks of them.
        if holding and self.job.kind != JobKind.REFRESH:
            changed = sisa.remove_member(self.db, self.settings, self.job.member_id)
            known.extend(i for i in changed if i not in known)

    # -- purge (erasure only) --------------------------------------------------------

    def purge(self) -> None:
        """For an erasure, delete the files of every version that is no longer active but
        still holds the member — datasets retired by earlier propagations (a withdrawal
        keeps its old files) and models superseded on them — keeping their registry rows
        as the record of what existed. Shards and sub-models reused by an active version
        survive through its own hard link. Idempotent."""
        if self.job.kind != JobKind.ERASE:
            return

        with session_scope(self.db) as s:
            holding = set(
                s.scalars(
                    select(DatasetLineageRow.dataset_id)
                    .where(DatasetLineageRow.member_id == self.job.member_id)
                    .distinct()
                )
            )
            datasets = s.execute(
                select(DatasetVersionRow.id, DatasetVersionRow.path).where(
                    DatasetVersionRow.id.in_(holding),
                    DatasetVersionRow.status != DatasetStatus.ACTIVE,
                )
            ).all()
            models = s.execute(
                select(ModelVersionRow.id, ModelVersionRow.path).where(
                    ModelVersionRow.dataset_id.in_(holding),
                    ModelVersionRow.status != ModelStatus.ACTIVE,
                )
            ).all()
        # Resolve every folder before deleting anything: one stored path outside the data
        # folder fails the step with nothing deleted.
        dataset_folders = [self.folder("dataset", i, path) for i, path in datasets]
        model_folders = [self.folder("model", i, path) for i, path in models]
        for folder in dataset_folders:
            delete_files(folder)
        with session_scope(self.db) as s:
            mark_files_deleted(s, [i for i, _ in datasets])
        for folder in model_folders:
            for artifact in folder.glob("shard-*"):
                artifact.unlink(missing_ok=True)
        self.progress["purged"] = {
            "datasets": sorted(i for i, _ in datasets),
            "models": sorted(i for i, _ in models),
        }
        # What the receipt says is what this check found; it raises if anything remains.
        self.progress["verified"] = verify_erasure(self.db, self.settings, self.job.member_id)

    def folder(self, kind: str, version_id: str, stored: str) -> Path:
        """A version's folder under the data folder in use; refuses one outside it."""
        return resolve_location(self.settings.data_dir, stored, owner=f"{kind} {version_id}")

    # -- receipt --------------------------------------------------------------------

    def receipt(self) -> str:
        return issue(self.db, self.settings, self.job, self.progress)

    def run(self) -> str:
        for step in STEPS:
            if step in self.progress["steps_done"]:
                continue
            started = time.perf_counter()
            if step == "receipt":
                self.progress["timings"]["receipt"] = 0.0
                receipt_id = self.receipt()
                if self.hook is not None:
                    self.hook(PropagationEvent(self.job.id, "receipt"))
                return receipt_id
            getattr(self, step)()
            spent = time.perf_counter() - started
            timings = self.progress["timings"]
            timings[step] = round(timings.get(step, 0.0) + spent, 6)
            self.progress["steps_done"].append(step)
            self.save(step)
        raise AssertionError("unreachable: the receipt step returns")


def run_job(
    db: Engine, settings: Settings, job: queue.ClaimedJob, *, hook: Hook | None = None
) -> Outcome:
    """Carry out (or resume) a claimed job to its receipt.

    An error is recorded on the job, which returns to the queue (or fails after
    `queue.MAX_ATTEMPTS`); an interruption (Ctrl-C, or an exception raised from `hook`
    that is not an Exception) hands the job back untouched and propagates.
    """
    started = time.perf_counter()
    run = _Run(db, settings, job, hook)
    base = Outcome(job.id, job.member_id, job.kind, job.purpose, JobStatus.RUNNING, 0.0)
    try:
        receipt_id = run.run()
    except queue.LostLease as exc:
        base.status, base.error = "lost", str(exc)
        return base
    except Exception as exc:
        base.status = queue.fail(db, job, f"{type(exc).__name__}: {exc}")
        base.error = str(exc)
        base.seconds = time.perf_counter() - started
        return base
    except BaseException:
        queue.hand_back(db, job)
        raise
    base.status, base.receipt_id = JobStatus.DONE, receipt_id
    base.seconds = time.perf_counter() - started
    base.datasets = [(e["parent"], e.get("successor")) for e in run.progress.get("datasets", [])]
    base.models = [
        (m["model"], m.get("successor"))
        for e in run.progress.get("datasets", [])
        for m in e.get("models", [])
    ]
    base.indexes = list(run.progress.get("indexes", []))
    return base
