"""The queue: one member's propagations never run at once, run in ledger order, each
completes once; a dead worker's job is taken over."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from builders import member_in_both
from consentry.rights import queue
from consentry.rights.erasure import erase
from consentry.rights.withdrawal import withdraw
from consentry.store.engine import session_scope, utcnow
from consentry.store.rights_tables import PropagationJob, ReceiptRow
from rights.helpers import assert_reached

WORKER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from consentry.config import Settings, scrub_ner
    from consentry.store import open_engine
    from consentry.rights.worker import run_worker
    data, url = sys.argv[1:3]
    outcomes = run_worker(open_engine(url), Settings(data_dir=Path(data), database_url=url,
                          scrub_ner=scrub_ner(os.environ)),
                          once=True)
    print(len(outcomes), [o.status for o in outcomes])
    """
)


@pytest.mark.slow
def test_two_workers_never_run_one_members_jobs_at_once_and_finish_each_once(trained):
    engine, settings = trained.engine, trained.settings
    a, b, c = (member_in_both(trained, skip=n) for n in (6, 7, 8))
    jobs = [
        withdraw(engine, settings, a, "train-genai", source="settings", actor="m").job_id,
        withdraw(engine, settings, b, "train-genai", source="settings", actor="m").job_id,
        withdraw(engine, settings, a, "train-ai", source="settings", actor="m").job_id,
        erase(engine, settings, c, source="settings", actor="m").job_id,
        erase(engine, settings, a, source="settings", actor="m").job_id,
        withdraw(engine, settings, b, "train-ai", source="settings", actor="m").job_id,
    ]
    args = [sys.executable, "-c", WORKER, str(settings.data_dir), settings.database_url]
    workers = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), [e.decode()[-2000:] for _, e in outputs]
    assert all(int(out.split()[0]) >= 1 for out, _ in outputs)  # both workers did work
    with session_scope(engine) as s:
        rows = s.scalars(select(PropagationJob).order_by(PropagationJob.id)).all()
        receipts = s.scalars(select(ReceiptRow.job_id)).all()
    assert [r.id for r in rows] == jobs
    assert all(r.status == "done" for r in rows), [(r.id, r.status, r.error) for r in rows]
    assert sorted(receipts) == jobs  # one receipt per job
    # Per member: strictly one after another, in ledger order.
    for member in (a, b, c):
        mine = [r for r in rows if r.member_id == member]
        for earlier, later in itertools.pairwise(mine):
            assert earlier.finished_at <= later.started_at
    assert_reached(engine, a, {"train-genai", "train-ai"})
    assert_reached(engine, b, {"train-genai", "train-ai"})
    assert_reached(engine, c, {"train-genai", "train-ai"})


def test_a_member_with_a_running_job_is_not_claimed_again_until_its_worker_is_gone(trained):
    engine, settings = trained.engine, trained.settings
    member = member_in_both(trained)
    first = withdraw(engine, settings, member, "train-genai", source="api", actor="m").job_id
    second = withdraw(engine, settings, member, "train-ai", source="api", actor="m").job_id
    held = queue.claim(engine, worker=queue.worker_id())
    assert held.id == first
    # Its member is busy, and the second job must wait for the first.
    assert queue.claim(engine, worker=queue.worker_id()) is None
    # A worker on another host whose lease has not run out still owns it.
    with session_scope(engine) as s:
        s.execute(
            update(PropagationJob)
            .where(PropagationJob.id == first)
            .values(worker="elsewhere:1:abc", lease_until=utcnow() + timedelta(minutes=5))
        )
    assert queue.claim(engine, worker=queue.worker_id()) is None
    # Once its lease runs out, the job is taken over (and resumes where it stopped).
    with session_scope(engine) as s:
        s.execute(
            update(PropagationJob)
            .where(PropagationJob.id == first)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    taken = queue.claim(engine, worker=queue.worker_id())
    assert taken.id == first and taken.attempts == 2
    # A process on this host that no longer exists holds nothing, lease or not.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    pid = int(dead.stdout)
    with session_scope(engine) as s:
        s.execute(
            update(PropagationJob)
            .where(PropagationJob.id == first)
            .values(
                worker=f"{queue.worker_id().split(':')[0]}:{pid}:x",
                lease_until=utcnow() + timedelta(minutes=5),
            )
        )
    assert queue.claim(engine, worker=queue.worker_id()).id == first
    with session_scope(engine) as s:
        assert s.get(PropagationJob, second).status == "queued"
