"""The profile editor as a member uses it, and the same edits through the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from consentry.store.engine import session_scope
from consentry.store.tables import Position, Skill
from web.helpers import log_in, page_csrf

EDITOR = "/profile/edit"


def _form(client, path: str, data: dict):
    return client.post(
        path, data={**data, "csrf_token": page_csrf(client, EDITOR)}, follow_redirects=False
    )


def test_the_profile_page_links_to_the_editor(alice):
    assert 'href="/profile/edit"' in alice.get("/profile").text


def test_editing_the_profile_fields_shows_on_the_profile(alice, app, network):
    done = _form(
        alice,
        EDITOR,
        {
            "headline": "Platform lead",
            "about": "New about.",
            "industry": "Logistics",
            "location": "Hamburg",
        },
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/profile/edit?saved=")
    mine = alice.get("/profile").text
    assert "Platform lead" in mine and "New about." in mine and "Hamburg" in mine
    bob = TestClient(app)
    log_in(bob, network.email("bob"))
    assert "Platform lead" in bob.get("/members/alice").text


def test_a_year_only_position_is_shown_as_a_year(alice):
    done = _form(
        alice,
        "/profile/positions",
        {"title": "Analyst", "company": "Looms", "started": "2016", "ended": "Mar 2018"},
    )
    assert done.status_code == 303
    html = alice.get("/profile").text
    assert "2016 – Mar 2018" in html and "Jan 2016" not in html
    done = _form(
        alice,
        "/profile/positions",
        {"title": "Lead", "company": "Mills", "started": "2019", "current": "1"},
    )
    assert "2019 – present" in alice.get("/profile").text


def test_a_date_not_understood_is_a_form_error_keeping_what_was_typed(alice):
    answer = _form(
        alice, "/profile/positions", {"title": "Analyst", "company": "Looms", "started": "someday"}
    )
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and "someday" in answer.text and "2016" in answer.text
    assert 'value="Looms"' in answer.text  # what was typed is kept


def test_editing_and_removing_a_position_a_school_and_a_skill(alice, network, sqlite_engine):
    alice_id = network.members["alice"]
    with session_scope(sqlite_engine) as s:
        position = s.scalars(
            select(Position.id).where(Position.member_id == alice_id, Position.ended_on.is_(None))
        ).first()
    assert (
        _form(
            alice,
            f"/profile/positions/{position}",
            {
                "title": "Principal engineer",
                "company": "Acme",
                "started": "Mar 2020",
                "current": "1",
            },
        ).status_code
        == 303
    )
    assert "Principal engineer" in alice.get("/profile").text
    assert _form(alice, f"/profile/positions/{position}/remove", {}).status_code == 303
    assert "Principal engineer" not in alice.get("/profile").text

    assert (
        _form(
            alice, "/profile/education", {"school": "ETH", "started": "2017", "ended": "2021"}
        ).status_code
        == 303
    )
    html = alice.get(EDITOR).text
    school = re.search(
        r'id="school-(\d+)" aria-labelledby="school-\d+-name">\s*<h3[^>]*>ETH<', html
    )
    assert school, "the new school is listed in the editor"
    assert "2017 – 2021" in alice.get("/profile").text
    assert _form(alice, f"/profile/education/{school.group(1)}/remove", {}).status_code == 303
    assert ">ETH<" not in alice.get("/profile").text

    assert _form(alice, "/profile/skills", {"name": "Airflow"}).status_code == 303
    duplicate = _form(alice, "/profile/skills", {"name": "airflow"})
    assert duplicate.status_code == 400 and "already one of your skills" in duplicate.text
    with session_scope(sqlite_engine) as s:
        skill = s.scalar(select(Skill.id).where(Skill.name == "Airflow"))
    assert _form(alice, f"/profile/skills/{skill}/remove", {}).status_code == 303
    assert "Airflow" not in alice.get("/profile").text


def test_another_members_entries_answer_404_and_stay(app, network, sqlite_engine):
    alice_id = network.members["alice"]
    with session_scope(sqlite_engine) as s:
        position = s.scalar(select(Position.id).where(Position.member_id == alice_id))
        skill = s.scalar(select(Skill.id).where(Skill.member_id == alice_id))
    bob = TestClient(app)
    log_in(bob, network.email("bob"))
    for path, data in [
        (f"/profile/positions/{position}", {"title": "Bob", "company": "Bob", "started": "2016"}),
        (f"/profile/positions/{position}/remove", {}),
        (f"/profile/skills/{skill}/remove", {}),
    ]:
        assert _form(bob, path, data).status_code == 404, path
    with session_scope(sqlite_engine) as s:
        row = s.get(Position, position)
        assert row is not None and row.deleted_at is None and row.title != "Bob"
        assert s.get(Skill, skill) is not None


def test_the_api_edits_the_same_profile(alice, app, network):
    headers = {"X-CSRF-Token": alice.get("/api/v1/me").json()["csrf_token"]}
    profile = alice.patch("/api/v1/me/profile", json={"headline": "Via API"}, headers=headers)
    assert profile.status_code == 200 and profile.json()["headline"] == "Via API"
    assert profile.json()["about"] == "I build data platforms.\n\nAnd bake."  # untouched
    made = alice.post(
        "/api/v1/me/positions",
        json={"title": "Analyst", "company": "Looms", "started": "2016"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    position = made.json()
    assert (position["started"], position["started_precision"], position["current"]) == (
        "2016",
        "year",
        True,
    )
    ended = alice.patch(
        f"/api/v1/me/positions/{position['id']}", json={"ended": "2018"}, headers=headers
    )
    assert ended.json()["ended"] == "2018" and ended.json()["current"] is False
    bad = alice.patch(
        f"/api/v1/me/positions/{position['id']}", json={"ended": "2010"}, headers=headers
    )
    assert bad.status_code == 400 and "before the start" in bad.json()["error"]
    school = alice.post(
        "/api/v1/me/education", json={"school": "ETH", "started": "Sep 2017"}, headers=headers
    )
    assert school.status_code == 201 and school.json()["started"] == "Sep 2017"
    skill = alice.post("/api/v1/me/skills", json={"name": "dbt"}, headers=headers)
    assert skill.status_code == 201
    assert alice.post("/api/v1/me/skills", json={"name": "DBT"}, headers=headers).status_code == 409
    renamed = alice.patch(
        f"/api/v1/me/skills/{skill.json()['id']}", json={"name": "Airflow"}, headers=headers
    )
    assert renamed.json()["name"] == "Airflow"
    # Bob, with the ids in hand, gets 404s and changes nothing.
    bob = TestClient(app)
    log_in(bob, network.email("bob"))
    bob_headers = {"X-CSRF-Token": bob.get("/api/v1/me").json()["csrf_token"]}
    for method, path in [
        ("DELETE", f"/api/v1/me/positions/{position['id']}"),
        ("DELETE", f"/api/v1/me/education/{school.json()['id']}"),
        ("DELETE", f"/api/v1/me/skills/{skill.json()['id']}"),
    ]:
        assert bob.request(method, path, headers=bob_headers).status_code == 404
    for method, path in [
        ("DELETE", f"/api/v1/me/positions/{position['id']}"),
        ("DELETE", f"/api/v1/me/education/{school.json()['id']}"),
        ("DELETE", f"/api/v1/me/skills/{skill.json()['id']}"),
    ]:
        assert alice.request(method, path, headers=headers).status_code == 204
    left = alice.get("/api/v1/me/profile").json()
    assert position["id"] not in {p["id"] for p in left["positions"]}
    assert "Airflow" not in {s["name"] for s in left["skills"]}
    assert (
        alice.patch("/api/v1/me/profile", json={"email": "x@y.z"}, headers=headers).status_code
        == 422
    )
