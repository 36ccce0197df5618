"""Moving region, on SQLite and PostgreSQL: the preview writes nothing, the move records
its history and the decisions follow the new region's rules; live datasets holding the
member get a refresh queued in the same commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from builders import build, hand_network, members_of, publish_preset, settings_for
from consentry.consent.decide import decide
from consentry.errors import InvalidInput
from consentry.rights.region import last_move, move_region, region_preview
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.social_tables import RegionChange
from consentry.store.tables import Member


@pytest.fixture
def mover(engine) -> int:
    """Bob, in California, under linkedin-2024 (training on by default there)."""
    publish_preset(engine, "linkedin-2024")
    return hand_network(engine).members["bob"]


def test_the_preview_names_each_flip_and_writes_nothing(engine, mover):
    with session_scope(engine) as s:
        move = region_preview(s, s.get(Member, mover), "de")
        assert (move.old_region, move.new_region) == ("US-CA", "DE")
        flips = {f.purpose: (f.before.allowed, f.after.allowed) for f in move.flips}
        assert flips["train-genai"] == (True, False)
        assert next(f for f in move.flips if f.purpose == "train-genai").after.code == "excluded"
    with session_scope(engine) as s:
        assert s.get(Member, mover).region == "US-CA"
        assert s.scalar(select(func.count()).select_from(RegionChange)) == 0


def test_a_move_records_its_history_and_the_decision_follows(engine, mover):
    with session_scope(engine) as s:
        done = move_region(s, s.get(Member, mover), "de")
        assert done.refresh_job_id is None  # no dataset holds the member: nothing to refresh
    with session_scope(engine) as s:
        assert s.get(Member, mover).region == "DE"
        rows = s.scalars(select(RegionChange).where(RegionChange.member_id == mover)).all()
        assert [(r.old_region, r.new_region) for r in rows] == [("US-CA", "DE")]
        assert not decide(s, mover, "train-genai").allowed
        moved, _ = last_move(s, s.get(Member, mover))
        assert "train-genai" in {f.purpose for f in moved.flips}
        # A move back flips it on again.
        move_region(s, s.get(Member, mover), "US-CA")
        assert decide(s, mover, "train-genai").allowed


@pytest.mark.parametrize("given", ["ZZ", "", "de-xx", "US-CA", "us-ca"])
def test_an_unknown_code_or_the_same_region_changes_nothing(engine, mover, given):
    with session_scope(engine) as s, pytest.raises(InvalidInput):
        move_region(s, s.get(Member, mover), given)
    with session_scope(engine) as s:
        assert s.get(Member, mover).region == "US-CA"
        assert s.scalar(select(func.count()).select_from(RegionChange)) == 0


def test_a_move_queues_one_refresh_when_a_live_dataset_holds_the_member(engine, mover, tmp_path):
    settings = settings_for(engine, tmp_path / "data")
    dataset = build(engine, settings, purpose="train-genai", shards=1)
    assert mover in members_of(engine, dataset)
    with session_scope(engine) as s:
        job_id = move_region(s, s.get(Member, mover), "FR").refresh_job_id
    with session_scope(engine) as s:
        job = s.get(PropagationJob, job_id)
        assert (job.kind, job.status, job.member_id) == ("refresh", "queued", mover)
