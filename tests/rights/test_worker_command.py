"""`consentry worker` as a real process: SIGKILL mid-job leaves a job the next worker
finishes, SIGTERM hands the running job back, and the worker `serve` starts is restarted
when it dies. Each job ends with exactly one receipt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from builders import member_in_both
from consentry.rights.erasure import erase
from consentry.rights.worker import run_worker
from consentry.rights.worker_process import WorkerProcess
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob, ReceiptRow

WORKER = [sys.executable, "-m", "consentry.cli", "worker", "--poll", "0.05"]


def _erase(net, *skips: int) -> list[int]:
    return [
        erase(net.engine, net.settings, member_in_both(net, skip=k), source="api", actor="m").job_id
        for k in skips
    ]


def _jobs(net) -> list[PropagationJob]:
    with session_scope(net.engine) as s:
        return list(s.scalars(select(PropagationJob).order_by(PropagationJob.id)))


def _running_in(net, pid: int, timeout_s: float = 60) -> PropagationJob:
    """Wait until process `pid` holds a running job; that job."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for job in _jobs(net):
            if job.status == "running" and job.worker and job.worker.split(":")[1] == str(pid):
                return job
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never held a running job")


def _all_done(net, timeout_s: float = 180) -> list[PropagationJob]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        jobs = _jobs(net)
        if all(j.status == "done" for j in jobs):
            return jobs
        time.sleep(0.1)
    raise AssertionError(f"jobs unfinished: {[(j.id, j.status) for j in _jobs(net)]}")


def _one_receipt_each(net, jobs: list[PropagationJob]) -> None:
    with session_scope(net.engine) as s:
        for job in jobs:
            rows = s.scalars(select(ReceiptRow.id).where(ReceiptRow.job_id == job.id)).all()
            assert rows == [job.receipt_id], f"job {job.id}: receipts {rows}"
        assert s.scalar(select(func.count()).select_from(ReceiptRow)) == len(jobs)


def test_a_worker_killed_mid_job_is_replaced_and_every_job_gets_one_receipt(trained):
    job_ids = _erase(trained, 6, 7, 8)
    first = subprocess.Popen(WORKER, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        held = _running_in(trained, first.pid)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        first.kill()
    left = {j.id: j for j in _jobs(trained)}[held.id]
    assert left.status == "running" and left.worker.split(":")[1] == str(first.pid)
    second = subprocess.Popen(WORKER, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        jobs = _all_done(trained)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0  # a graceful stop exits cleanly
    assert [j.id for j in jobs] == job_ids
    _one_receipt_each(trained, jobs)
    taken_over = {j.id: j for j in jobs}[held.id]
    assert taken_over.attempts == 2  # the dead worker's try, then its successor's


def test_sigterm_returns_the_running_job_to_the_queue(trained):
    _erase(trained, 9)
    worker = subprocess.Popen(WORKER, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _running_in(trained, worker.pid)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        said = worker.stdout.read().decode() if worker.stdout else ""
    finally:
        worker.kill()
    assert "stopped (SIGTERM); no job left running" in said
    (job,) = _jobs(trained)
    assert (job.status, job.worker, job.lease_until, job.attempts) == ("queued", None, None, 0)
    (outcome,) = run_worker(trained.engine, trained.settings, once=True)
    assert outcome.status == "done", outcome.error
    _one_receipt_each(trained, _jobs(trained))


def test_the_worker_serve_starts_is_restarted_when_killed(trained):
    # The child reads the same settings as the server: CONSENTRY_* from `trained`.
    job_ids = _erase(trained, 10, 11)
    child = WorkerProcess(restart_after_s=0.1)
    child.start()
    try:
        first = child.pid
        assert first is not None
        _running_in(trained, first)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while child.pid in (None, first):
            assert time.monotonic() < deadline, "the worker was not restarted"
            time.sleep(0.05)
        jobs = _all_done(trained)
    finally:
        child.stop(timeout_s=60)
    assert child.starts == 2 and child.pid is None
    assert [j.id for j in jobs] == job_ids
    _one_receipt_each(trained, jobs)


def test_a_watching_worker_signs_the_head_into_the_checkpoint_file(trained):
    from consentry.consent import checkpoints, ledger

    before = len(checkpoints.read(trained.settings))
    calls = iter(range(3))
    run_worker(trained.engine, trained.settings, poll=0.01, should_stop=lambda: next(calls, 2) >= 2)
    with session_scope(trained.engine) as session:
        head = ledger.head(session)
    written = [c for c in checkpoints.read(trained.settings)[before:] if c]
    assert [(c["reason"], c["seq"], c["hash"]) for c in written] == [
        ("interval", head.seq, head.hash)
    ]  # once at start; not again while the head stands still
