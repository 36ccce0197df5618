"""Where the system stands for an operator (`rights.status`): the queue counts, the jobs
and the overview agree with what was requested, on each database."""

from __future__ import annotations

from builders import LENA, build_world
from consentry.rights import status
from consentry.rights.withdrawal import withdraw
from consentry.store.engine import session_scope


def test_a_queued_withdrawal_shows_in_counts_jobs_and_overview_on_each_database(engine, tmp_path):
    world = build_world(engine, tmp_path / "data", members=30)
    member_id = world.member_id(LENA.email)
    withdraw(engine, world.settings, member_id, "train-ai", source="api", actor="test")
    with session_scope(engine) as session:
        assert status.queue_counts(session) == {"queued": 1, "running": 0, "done": 0, "failed": 0}
        (job,) = status.propagation_jobs(session)
        assert job.member_handle == LENA.handle and job.purpose == "train-ai"
        assert status.overview(session).queue["queued"] == 1
