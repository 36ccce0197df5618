"""Crash safety: a propagation interrupted at any step resumes and ends as an
uninterrupted one would; a killed worker's job is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from builders import copy_trained, member_in_both
from consentry.datasets.successor import build_successor
from consentry.rights.erasure import erase
from consentry.rights.propagation import PropagationEvent
from consentry.rights.worker import run_worker
from consentry.store.dataset_tables import DatasetVersionRow
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from rights.helpers import assert_reached, fingerprint, receipt_of


class Interrupt(KeyboardInterrupt):
    """Raised from the progress hook: the worker stops dead, as on Ctrl-C."""


def _erase_and_run(net, member, *, stop_at: int | None = None) -> list[PropagationEvent]:
    """Erase `member` and propagate, interrupting after the `stop_at`-th recorded event;
    then resume with a fresh worker. Returns the events of the first worker."""
    request = erase(net.engine, net.settings, member, source="settings", actor="member")
    events: list[PropagationEvent] = []

    def hook(event: PropagationEvent) -> None:
        events.append(event)
        if stop_at is not None and len(events) == stop_at:
            raise Interrupt

    try:
        run_worker(net.engine, net.settings, once=True, hook=hook)
    except Interrupt:
        with session_scope(net.engine) as s:
            assert s.get(PropagationJob, request.job_id).status == "queued"
        (outcome,) = run_worker(net.engine, net.settings, once=True)
        assert outcome.status == "done", outcome.error
    receipt = receipt_of(net.engine, net.settings, request.job_id)
    return events, receipt


def _shape(receipt: dict) -> dict:
    """A receipt without its generated ids and times."""
    return {
        "datasets": sorted(
            (d["retired"]["id"], str(d["created"]["rebuilt_shards"]), d["records_removed"])
            for d in receipt["datasets"]
        ),
        "models": sorted(
            (m["retired"]["id"], str([s["sha256"] for s in m["created"]["sub_models"]]))
            for m in receipt["models"]
        ),
        "indexes": len(receipt["retrieval_indexes"]),
    }


@pytest.mark.slow
def test_an_erasure_interrupted_at_every_step_resumes_to_the_same_result(
    trained_template, tmp_path
):
    reference = copy_trained(trained_template, tmp_path / "reference")
    member = member_in_both(reference, skip=2)
    events, receipt = _erase_and_run(reference, member)
    expected, expected_receipt = fingerprint(reference.engine), _shape(receipt)
    reference.engine.dispose()
    steps = {e.step for e in events}
    assert steps == {"datasets", "models", "retrieval", "purge", "receipt"}
    assert len(events) >= 10
    for n in range(1, len(events)):
        net = copy_trained(trained_template, tmp_path / f"stop-{n}")
        try:
            _, receipt = _erase_and_run(net, member, stop_at=n)
            assert fingerprint(net.engine) == expected, f"interrupted after {events[n - 1]}"
            assert _shape(receipt) == expected_receipt, f"interrupted after {events[n - 1]}"
        finally:
            net.engine.dispose()


WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from consentry.config import Settings, scrub_ner
    from consentry.store import open_engine
    from consentry.rights.worker import run_worker
    data, url, step, detail = sys.argv[1:5]
    def hook(event):
        if event.step == step and (detail == "*" or event.detail == detail):
            os.kill(os.getpid(), signal.SIGKILL)
    run_worker(open_engine(url), Settings(data_dir=__import__("pathlib").Path(data),
               database_url=url, scrub_ner=scrub_ner(os.environ)), once=True, hook=hook)
    """
)


@pytest.mark.parametrize(("step", "detail"), [("datasets", "*"), ("models", "*")])
def test_a_killed_worker_leaves_a_job_the_next_worker_completes(trained, step, detail):
    member = member_in_both(trained, skip=3)
    request = erase(trained.engine, trained.settings, member, source="settings", actor="member")
    data, url = str(trained.settings.data_dir), trained.settings.database_url
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, data, url, step, detail], capture_output=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    with session_scope(trained.engine) as s:
        job = s.get(PropagationJob, request.job_id)
        assert job.status == "running" and job.step == step  # its worker is gone
        dead = int(job.worker.split(":")[1])
    assert dead != os.getpid()
    (outcome,) = run_worker(trained.engine, trained.settings, once=True)
    assert outcome.status == "done", outcome.error
    receipt = receipt_of(trained.engine, trained.settings, request.job_id)
    assert {d["retired"]["id"] for d in receipt["datasets"]} == {trained.genai, trained.ai}
    with session_scope(trained.engine) as s:
        assert s.get(PropagationJob, request.job_id).attempts == 2


def test_a_successor_published_before_a_crash_is_adopted_not_built_again(trained):
    member = member_in_both(trained, skip=4)
    request = erase(trained.engine, trained.settings, member, source="settings", actor="member")

    def stop_after_plan(event: PropagationEvent) -> None:
        if event.detail == "planned":
            raise Interrupt

    with pytest.raises(Interrupt):
        run_worker(trained.engine, trained.settings, once=True, hook=stop_after_plan)
    # As if the worker had died right after publishing this successor, before recording it.
    done = build_successor(
        trained.engine, trained.settings, trained.genai, member_ids=(member,), reason="erase"
    )
    (outcome,) = run_worker(trained.engine, trained.settings, once=True)
    assert outcome.status == "done", outcome.error
    assert (trained.genai, done.successor_id) in outcome.datasets
    receipt = receipt_of(trained.engine, trained.settings, request.job_id)
    genai = next(d for d in receipt["datasets"] if d["retired"]["id"] == trained.genai)
    assert genai["created"]["id"] == done.successor_id
    checked = {(a["kind"], a["id"]) for a in receipt["erasure_check"]["artifacts"]}
    assert ("dataset", trained.genai) in checked
    with session_scope(trained.engine) as s:
        children = s.scalars(
            select(DatasetVersionRow.id).where(DatasetVersionRow.parent_id == trained.genai)
        ).all()
    assert children == [done.successor_id]
    assert list((trained.settings.data_dir / "datasets" / trained.genai / "data").glob("*")) == []


def test_a_model_left_on_a_dataset_retired_elsewhere_is_moved(trained):
    """Someone else retired a dataset (its successor without the member) before this
    propagation planned: the models still on it are found and moved all the same."""
    member = member_in_both(trained, skip=5)
    request = erase(trained.engine, trained.settings, member, source="settings", actor="member")
    done = build_successor(
        trained.engine, trained.settings, trained.genai, member_ids=(member,), reason="erase"
    )
    (outcome,) = run_worker(trained.engine, trained.settings, once=True)
    assert outcome.status == "done", outcome.error
    assert (trained.genai, done.successor_id) in outcome.datasets
    assert_reached(trained.engine, member, {"train-genai", "train-ai"})
    receipt_of(trained.engine, trained.settings, request.job_id)
