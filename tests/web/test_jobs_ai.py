"""The jobs pages with trained models: a recruiter starts a posting from the AI writer's
draft ("Use this draft" fills the form, the recruiter publishes), and the applicants page
scores only applicants who allow recruiter AI (Lena), while listing one who does not
(Maya) without any AI."""

from __future__ import annotations

import html
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from builders import LENA, MAYA, RAVI, build_trained_world, sealed_engine
from consentry.features.applicants import NOT_ALLOWED
from consentry.store.engine import session_scope
from consentry.store.tables import Job, Member
from consentry.web.app import create_app
from web.helpers import csrf_from, log_in_form

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def trained(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("jobs-ai")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    world = build_trained_world(engine, folder / "data")
    yield world
    engine.dispose()


@pytest.fixture(scope="module")
def app(trained):
    return create_app(trained.settings, trained.engine)


def client_for(app, email: str) -> tuple[TestClient, str]:
    client = log_in_form(TestClient(app), email)
    return client, csrf_from(client.get("/jobs").text)


def _count(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Job))


def test_a_posting_from_the_writers_draft_is_published_only_by_the_recruiter(app, trained):
    ravi, csrf = client_for(app, RAVI.email)
    before = _count(trained.engine)
    page = ravi.post(
        "/ai/job-post",
        data={
            "title": "Data Engineer",
            "company": "Globex",
            "location": "Berlin",
            "skills": "Python, SQL",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200 and "Use this draft" in page.text
    form = page.text[page.text.index('action="/jobs/new"') :]
    fields = {k: html.unescape(v) for k, v in HIDDEN.findall(form.split("</form>")[0])}
    assert fields["title"] == "Data Engineer" and fields["skills"] == "Python, SQL"
    assert fields["description"].startswith("Data Engineer at Globex, Berlin")
    assert _count(trained.engine) == before  # writing a draft publishes nothing
    filled = ravi.post("/jobs/new", data={**fields, "csrf_token": csrf})
    assert filled.status_code == 200 and "Publish the posting" in filled.text
    assert html.escape(fields["description"].splitlines()[0]) in filled.text
    assert _count(trained.engine) == before  # nor does opening the form with it
    edited = fields["description"] + "\n\nEdited by the recruiter."
    published = ravi.post(
        "/jobs", data={**fields, "description": edited, "csrf_token": csrf}, follow_redirects=False
    )
    assert published.status_code == 303 and _count(trained.engine) == before + 1
    assert "Edited by the recruiter." in ravi.get(published.headers["location"]).text


def test_applicants_page_scores_only_those_who_allow_recruiter_ai(app, trained):
    ravi, csrf = client_for(app, RAVI.email)
    created = ravi.post(
        "/api/v1/jobs",
        json={"title": "Data Engineer", "company": "Initech", "skills": ["Python", "SQL"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    job = created.json()["id"]
    for account in (LENA, MAYA):
        member, member_csrf = client_for(app, account.email)
        applied = member.post(
            f"/jobs/{job}/apply", data={"csrf_token": member_csrf}, follow_redirects=False
        )
        assert applied.status_code == 303
    lena_id, maya_id = (trained.member_id(a.email) for a in (LENA, MAYA))
    page = ravi.get(f"/jobs/{job}/applicants").text
    entries = dict(
        re.findall(
            r'<li class="card person">\s*<h2><a href="/members/([\w.-]+)">(.*?)</li>', page, re.S
        )
    )
    assert len(entries) == 2  # both are listed
    lena_entry, maya_entry = (
        next(v for v in entries.values() if name in v)
        for name in (html.escape(_name(trained, i)) for i in (lena_id, maya_id))
    )
    assert re.search(r"AI fit: \d+%", lena_entry) and "/ai/outreach?candidate=" in lena_entry
    assert NOT_ALLOWED in maya_entry
    assert "AI fit" not in maya_entry and "/ai/outreach" not in maya_entry
    api = {a["display_name"]: a["ai"] for a in ravi.get(f"/api/v1/jobs/{job}/applicants").json()}
    lena_ai, maya_ai = api[_name(trained, lena_id)], api[_name(trained, maya_id)]
    assert lena_ai["used"] is True and 0.0 <= lena_ai["fit"] <= 1.0
    assert maya_ai == {"used": False, "fit": None, "shared_skills": [], "message": NOT_ALLOWED}


def _name(world, member_id: int) -> str:
    with session_scope(world.engine) as s:
        return s.get(Member, member_id).display_name
