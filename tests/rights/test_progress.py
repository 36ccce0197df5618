"""A propagation job's progress, as a real propagation records it, is what the published
JSON Schema says, and parses back into exactly the stored document."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from builders import member_in_both
from consentry.rights.erasure import erase
from consentry.rights.progress import PropagationProgress, PropagationStep, checked
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.engine import session_scope
from consentry.store.rights_tables import JobStatus, PropagationJob
from schema_checks import assert_conforms


def _stored(engine, job_id: int) -> str:
    with session_scope(engine) as s:
        job = s.get(PropagationJob, job_id)
        assert job.status == JobStatus.DONE, job.error
        return job.progress


def test_the_progress_of_a_withdrawal_round_trips(trained):
    member = member_in_both(trained)
    request = withdraw(
        trained.engine, trained.settings, member, "train-genai", source="settings", actor="m"
    )
    assert propagate_now(trained.engine, trained.settings, request.job_id).status == "done"
    text = _stored(trained.engine, request.job_id)
    progress = assert_conforms("propagation-progress", json.loads(text), PropagationProgress)
    assert PropagationProgress.parse(text).dumps() == text  # the stored bytes, exactly
    assert progress.steps_done == list(PropagationStep)[:-1]  # the receipt ends the job
    assert set(progress.timings) == set(PropagationStep)
    (moved,) = progress.datasets
    assert moved.parent == trained.genai and moved.successor and moved.records_removed
    assert {m.feature for m in moved.models} == {"phrasing"}
    assert all(m.successor for m in moved.models)
    assert progress.purged is None  # a withdrawal keeps earlier files
    assert progress.verified is None


def test_the_progress_of_an_erasure_round_trips(trained):
    member = member_in_both(trained, skip=1)
    request = erase(trained.engine, trained.settings, member, source="settings", actor="m")
    assert propagate_now(trained.engine, trained.settings, request.job_id).status == "done"
    text = _stored(trained.engine, request.job_id)
    progress = assert_conforms("propagation-progress", json.loads(text), PropagationProgress)
    assert {d.parent for d in progress.datasets} == {trained.genai, trained.ai}
    assert all(d.files_deleted for d in progress.datasets)
    assert progress.purged is not None
    assert progress.verified is not None and progress.verified.member_records_found == 0
    checked = {a.id for a in progress.verified.artifacts if a.kind == "dataset"}
    assert {trained.genai, trained.ai} <= checked


def test_a_progress_the_schema_does_not_describe_is_never_stored():
    with pytest.raises(ValidationError):
        checked({"steps_done": ["datasets"], "scratch": 1})
    with pytest.raises(ValidationError):
        checked({"steps_done": ["teleport"]})
    # Absent keys stay absent: a resumed worker tells "not done yet" from "done, none".
    assert checked({"datasets": [{"parent": "d1"}]}) == '{"datasets": [{"parent": "d1"}]}'
