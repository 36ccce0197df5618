"""Editing one's own profile (SQLite and PostgreSQL): fields, positions, schools, skills;
revisions that keep as-of reads exact; nobody edits anyone else's entries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from builders import hand_network
from consentry.datasets.eligibility import text_as_of
from consentry.errors import Conflict, InvalidInput, NotFound
from consentry.network import queries
from consentry.network.profile_edits import (
    EducationInput,
    PositionInput,
    add_education,
    add_position,
    add_skill,
    edit_education,
    edit_position,
    edit_profile,
    remove_education,
    remove_position,
    remove_skill,
    rename_skill,
)
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import Member, Position, Profile, Skill


@pytest.fixture
def net(engine):
    return hand_network(engine)


def _view(engine, member_id):
    with session_scope(engine) as s:
        return queries.profile(s, s.get(Member, member_id))


def _as_of(engine, member_id, field, at):
    with session_scope(engine) as s:
        return s.scalar(
            select(text_as_of(Profile, "profile", field, at)).where(Profile.member_id == member_id)
        )


def test_profile_fields_change_and_earlier_texts_read_as_of(engine, net):
    alice = net.members["alice"]
    before = utcnow()
    first = before + timedelta(seconds=1)
    with session_scope(engine) as s:
        changed = edit_profile(
            s, alice, {"headline": "Platform lead", "location": " Hamburg "}, now=first
        )
        assert sorted(changed) == ["headline", "location"]
    second = first + timedelta(seconds=1)
    with session_scope(engine) as s:
        assert edit_profile(s, alice, {"industry": "Logistics"}, now=second) == ["industry"]
        assert edit_profile(s, alice, {"industry": "Logistics"}) == []
    view = _view(engine, alice)
    assert (view.headline, view.location, view.industry) == (
        "Platform lead",
        "Hamburg",
        "Logistics",
    )
    # As of before the edits both texts read as they were; in between, the new headline
    # and the about that was not touched.
    assert _as_of(engine, alice, "headline", before) == "Data engineer who likes tidy pipelines"
    assert _as_of(engine, alice, "about", before) == "I build data platforms.\n\nAnd bake."
    half = first + timedelta(milliseconds=500)
    assert _as_of(engine, alice, "headline", half) == "Platform lead"
    assert _as_of(engine, alice, "about", half) == "I build data platforms.\n\nAnd bake."


def test_a_member_without_a_profile_row_gets_one(engine, net):
    rita = net.members["rita"]
    with session_scope(engine) as s:
        edit_profile(s, rita, {"headline": "Hiring engineers"})
    assert _view(engine, rita).headline == "Hiring engineers"


@pytest.mark.parametrize(
    ("changes", "words"),
    [({"headline": "x" * 221}, "at most 220"), ({"email": "a@b.c"}, "no field 'email'")],
)
def test_bad_profile_edits_are_refused(engine, net, changes, words):
    with session_scope(engine) as s, pytest.raises(InvalidInput, match=words):
        edit_profile(s, net.members["alice"], changes)


def test_positions_added_edited_removed_with_dates_as_given(engine, net):
    alice = net.members["alice"]
    with session_scope(engine) as s:
        new = add_position(
            s,
            alice,
            PositionInput(title="Analyst", company="Looms", started="2016", ended="Mar 2018"),
        ).id
    shown = {p.id: (p.title, p.started, p.ended) for p in _view(engine, alice).positions}
    assert shown[new] == ("Analyst", "2016", "Mar 2018")
    with session_scope(engine) as s:
        edit_position(
            s,
            alice,
            new,
            PositionInput(title="Lead analyst", company="Looms", started="2016", current=True),
        )
    shown = {p.id: (p.title, p.started, p.ended) for p in _view(engine, alice).positions}
    assert shown[new] == ("Lead analyst", "2016", "")
    with session_scope(engine) as s:
        remove_position(s, alice, new)
    assert new not in {p.id for p in _view(engine, alice).positions}
    with session_scope(engine) as s:
        row = s.get(Position, new)
        assert row is not None and row.deleted_at is not None  # soft-deleted


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (PositionInput(title="", company="X", started="2016"), "job title"),
        (PositionInput(title="A", company="X", started=""), "start date is needed"),
        (PositionInput(title="A", company="X", started="someday"), "start date"),
        (PositionInput(title="A", company="X", started="2016", ended="2015"), "before the start"),
    ],
)
def test_bad_positions_are_refused_in_one_line(engine, net, given, words):
    with session_scope(engine) as s, pytest.raises(InvalidInput, match=words):
        add_position(s, net.members["alice"], given)


def test_education_with_year_only_dates_or_none(engine, net):
    alice = net.members["alice"]
    with session_scope(engine) as s:
        school = add_education(
            s, alice, EducationInput(school="ETH", degree="PhD", started="2017", ended="2021")
        ).id
        undated = add_education(s, alice, EducationInput(school="Night school")).id
    dated = {e.id: (e.school, e.started, e.ended) for e in _view(engine, alice).education}
    assert dated[school] == ("ETH", "2017", "2021") and dated[undated] == ("Night school", "", "")
    with session_scope(engine) as s:
        edit_education(s, alice, school, EducationInput(school="ETH Zurich", started="Sep 2017"))
        remove_education(s, alice, undated)
    dated = {e.id: (e.school, e.started, e.ended) for e in _view(engine, alice).education}
    assert dated[school] == ("ETH Zurich", "Sep 2017", "") and undated not in dated


def test_skills_added_renamed_removed_without_duplicates(engine, net):
    alice = net.members["alice"]
    with session_scope(engine) as s:
        dbt = add_skill(s, alice, "  dbt ").id
    with session_scope(engine) as s, pytest.raises(Conflict, match="already"):
        add_skill(s, alice, "PYTHON")
    with session_scope(engine) as s:
        rename_skill(s, alice, dbt, "Airflow")
    assert "Airflow" in _view(engine, alice).skills
    with session_scope(engine) as s:
        remove_skill(s, alice, dbt)
        assert s.get(Skill, dbt) is None
    assert "Airflow" not in _view(engine, alice).skills


def test_other_members_entries_answer_not_found(engine, net):
    alice, bob = net.members["alice"], net.members["bob"]
    with session_scope(engine) as s:
        position = s.scalars(select(Position.id).where(Position.member_id == alice)).first()
        skill = s.scalars(select(Skill.id).where(Skill.member_id == alice)).first()
        school = add_education(s, alice, EducationInput(school="ETH")).id
    assert position is not None and skill is not None
    attempts = [
        lambda s: edit_position(s, bob, position, PositionInput("T", "C", "2016")),
        lambda s: remove_position(s, bob, position),
        lambda s: edit_education(s, bob, school, EducationInput("X")),
        lambda s: remove_education(s, bob, school),
        lambda s: rename_skill(s, bob, skill, "Mine now"),
        lambda s: remove_skill(s, bob, skill),
        lambda s: remove_position(s, alice, 10**6),
    ]
    for attempt in attempts:
        with session_scope(engine) as s, pytest.raises(NotFound):
            attempt(s)
    view = _view(engine, alice)
    assert position in {p.id for p in view.positions} and "Python" in view.skills
    assert date(2020, 3, 1) in {p.started_on for p in view.positions}
