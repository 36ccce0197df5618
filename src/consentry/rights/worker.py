"""The propagation worker: claim jobs from the queue and carry them out.

A request (a withdrawal, an erasure) only records the choice and queues its job; the
work runs here, never in a web server's request threads. `run_worker` is what
`consentry worker` runs (started beside `consentry serve`, or on its own) and what
`consentry propagate` runs to drain the queue. Any number of workers may run at once, in
any number of processes or hosts: the queue's claim keeps one member's jobs apart.

Stopping: inside `stop_on_signals`, SIGTERM or SIGINT raises `StopRequested`, and
`run_job` hands the running job back to the queue before the process exits. A worker
killed outright (SIGKILL, a crash) leaves its job "running"; the next claim sees that its
process is gone and takes it over, resuming from the recorded progress.

`propagate_now` carries out one job in the calling process (the CLI's `--now`, the
demo's `demo-withdrawal`); `wait_for` lets a caller wait for a worker to finish a job;
`background_worker` runs a worker on a thread of this process (an embedded app, tests).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from consentry.config import Settings
from consentry.consent import checkpoints, ledger
from consentry.datasets.lifecycle import reconcile
from consentry.errors import NotFound
from consentry.rights import queue
from consentry.rights.propagation import Hook, Outcome, run_job
from consentry.store.engine import get_row, session_scope, utcnow
from consentry.store.rights_tables import JobStatus, PropagationJob


def run_worker(
    db: Engine,
    settings: Settings,
    *,
    once: bool = False,
    poll: float = 1.0,
    limit: int | None = None,
    hook: Hook | None = None,
    report: Callable[[Outcome], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """Process queued propagations.

    `once`: return when no job can be claimed (the queue is empty, or what is left is held
    by other workers), after waiting for jobs that back off after an error; otherwise watch the queue, polling every `poll` seconds, until
    `should_stop()` is true. `limit` stops after that many jobs. Each finished job is
    passed to `report`. Returns the outcomes, in order.
    """
    worker = queue.worker_id()
    outcomes: list[Outcome] = []
    interval = _Interval(db, settings) if not once else None
    # Start-up: what a crashed build left is removed (or retired) before any job plans its
    # datasets, so propagation works on exactly the registry's active versions.
    reconcile(db, settings)
    while limit is None or len(outcomes) < limit:
        if should_stop is not None and should_stop():
            break
        if interval is not None:
            interval.checkpoint()
        job = queue.claim(db, worker=worker)
        if job is None:
            if once:
                # Drain: wait for jobs backing off after an error; leave jobs that other
                # live workers hold to them.
                with session_scope(db) as session:
                    retry = queue.next_retry(session)
                if retry is None:
                    break
                time.sleep(min(max((retry - utcnow()).total_seconds(), 0.05), poll))
                continue
            time.sleep(poll)
            continue
        outcome = run_job(db, settings, job, hook=hook)
        outcomes.append(outcome)
        if report is not None:
            report(outcome)
    return outcomes


#: How often a watching worker signs the ledger's head into the checkpoint file (when the
#: head moved), besides the checkpoints every build and receipt write.
CHECKPOINT_EVERY_S = 600.0


class _Interval:
    """The worker's interval checkpoints: one at start, then one every `CHECKPOINT_EVERY_S`
    while the head keeps moving, so a ledger cut short between builds is still caught."""

    def __init__(self, db: Engine, settings: Settings) -> None:
        self.db, self.settings = db, settings
        self.due = time.monotonic()
        self.seq: int | None = None

    def checkpoint(self) -> None:
        if time.monotonic() < self.due:
            return
        self.due = time.monotonic() + CHECKPOINT_EVERY_S
        with session_scope(self.db) as session:
            head = ledger.head(session).seq
            if head != self.seq:
                checkpoints.write(session, self.settings, checkpoints.Reason.INTERVAL)
                self.seq = head


def propagate_now(
    db: Engine, settings: Settings, job_id: int, *, hook: Hook | None = None
) -> Outcome | None:
    """Carry out job `job_id` now, in this process (after any earlier job of its member).

    Returns its outcome, or None when another worker is already on this member (the job
    completes there; its status shows it). Raises ConsentryError for an unknown job.
    """
    with session_scope(db) as session:
        row = queue.get_job(session, job_id)
        if row is None:
            raise NotFound(f"no propagation job {job_id}")
        member_id = row.member_id
    worker = queue.worker_id()
    while True:
        with session_scope(db) as session:
            row = get_row(session, PropagationJob, job_id)
            if row.status in (JobStatus.DONE, JobStatus.FAILED):
                return _finished(row)
        job = queue.claim(db, worker=worker, member_id=member_id)
        if job is None:
            return None
        outcome = run_job(db, settings, job, hook=hook)
        if job.id == job_id and outcome.status != JobStatus.QUEUED:
            return outcome
        if outcome.status not in (JobStatus.DONE, JobStatus.FAILED):
            return outcome


def _finished(row) -> Outcome:
    seconds = (row.finished_at - row.created_at).total_seconds() if row.finished_at else 0.0
    return Outcome(
        row.id,
        row.member_id,
        row.kind,
        row.purpose,
        row.status,
        seconds,
        receipt_id=row.receipt_id,
        error=row.error,
    )


class StopRequested(KeyboardInterrupt):
    """A stop signal arrived (SIGTERM, SIGINT): the running job goes back to the queue.

    A KeyboardInterrupt, so that `run_job` hands the job back as on Ctrl-C."""


class StopSignal:
    """The stop signal that arrived, if any (`stop_on_signals`); `requested()` for a
    worker's `should_stop`, `check` as a propagation step hook."""

    def __init__(self) -> None:
        self.name: str | None = None

    def requested(self) -> bool:
        return self.name is not None

    def check(self, _event: object = None) -> None:
        """Raise `StopRequested` if a stop signal has arrived."""
        if self.name is not None:
            raise StopRequested(self.name)


@contextmanager
def stop_on_signals(
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> Iterator[StopSignal]:
    """Within the block, any of `signals` raises `StopRequested` in the main thread and
    is remembered on the `StopSignal` the block receives.

    Python runs a signal handler between any two bytecodes, also inside a finalizer or a
    garbage-collector callback, where an exception is printed and dropped; so the stop is
    also remembered, and a worker checks it between the steps of a job (`check` as its
    hook) and between jobs (`requested` as its `should_stop`). Further signals are
    ignored once one arrived, so that handing the job back is not itself interrupted; the
    previous handlers return when the block ends."""
    arrived = StopSignal()

    def stop(signum: int, _frame: object) -> None:
        for each in signals:
            signal.signal(each, signal.SIG_IGN)
        arrived.name = signal.Signals(signum).name
        raise StopRequested(arrived.name)

    previous = {each: signal.signal(each, stop) for each in signals}
    try:
        yield arrived
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def wait_for(db: Engine, job_id: int, *, timeout_s: float, poll: float = 0.1) -> str:
    """Wait up to `timeout_s` for a worker to finish job `job_id`; its status then."""
    deadline = time.monotonic() + timeout_s
    while True:
        with session_scope(db) as session:
            status = get_row(session, PropagationJob, job_id).status
        if status in (JobStatus.DONE, JobStatus.FAILED) or time.monotonic() >= deadline:
            return status
        time.sleep(poll)


@contextmanager
def background_worker(db: Engine, settings: Settings, *, poll: float = 0.05) -> Iterator[None]:
    """Run a worker on a thread of this process for the duration of the block.

    Leaving the block lets the job in hand finish, then stops the thread."""
    stopping = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(db, settings),
        kwargs={"poll": poll, "should_stop": stopping.is_set},
        name="propagation-worker",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join()
