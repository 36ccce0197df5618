"""The jobs pages and API as a recruiter and a member use them: post (from the AI
writer's draft or not), edit, close; apply, withdraw; the applicants page, where an
applicant who has not allowed recruiter AI is listed without any AI; search."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from builders import grant, publish_default_policy
from consentry.features.applicants import NOT_ALLOWED
from consentry.network.jobs import EMPLOYMENT_TYPES, SENIORITIES
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.social_tables import JobApplication, Notification
from consentry.store.tables import Job, Member
from consentry.web.api_jobs import EmploymentType, Seniority
from web.helpers import csrf_from, log_in

FORM = {
    "title": "Platform Engineer",
    "company": "Hooli",
    "location": "Lisbon",
    "region": "pt",
    "remote": "1",
    "employment_type": "contract",
    "seniority": "senior",
    "description": "Keep the lights on.\n\nAnd the pipelines.",
    "skills": "Kubernetes, Go",
}


def signed_in(app, network, handle: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    assert log_in(client, network.email(handle)).status_code == 303
    return client, csrf_from(client.get("/jobs").text)


@pytest.fixture
def rita(app, network):
    return signed_in(app, network, "rita")


def _post(client, csrf, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)


def _jobs(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Job))


def test_a_recruiter_posts_edits_and_closes_a_job(app, network, rita, sqlite_engine):
    client, csrf = rita
    form = client.get("/jobs/new")
    assert form.status_code == 200 and 'action="/jobs"' in form.text
    assert 'href="/ai/job-post"' in form.text  # the writer is offered as a start
    created = _post(client, csrf, "/jobs", **FORM)
    assert created.status_code == 303
    job_url = created.headers["location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    page = client.get(job_url).text
    for shown in ("Platform Engineer", "Hooli", "Lisbon", "Remote", "contract", "Kubernetes"):
        assert shown in page, shown
    assert f'href="/jobs/{job_id}/edit"' in page and f'action="/jobs/{job_id}/close"' in page
    alice, _ = signed_in(app, network, "alice")
    assert "Platform Engineer" in alice.get("/jobs").text
    assert "Platform Engineer" in alice.get("/jobs", params={"q": "kubernetes lisbon"}).text

    edit = client.get(f"/jobs/{job_id}/edit").text
    assert 'value="Platform Engineer"' in edit and "Kubernetes, Go" in edit
    saved = _post(client, csrf, f"/jobs/{job_id}/edit", **{**FORM, "title": "SRE"})
    assert saved.status_code == 303
    assert "SRE" in client.get(job_url).text
    bad = _post(client, csrf, f"/jobs/{job_id}/edit", **{**FORM, "title": ""})
    assert bad.status_code == 400 and "needs a title" in bad.text
    assert 'value="Kubernetes, Go"' in bad.text  # what was typed is kept

    assert _post(client, csrf, f"/jobs/{job_id}/close").status_code == 303
    assert "was closed on" in client.get(job_url).text  # the recruiter still sees it
    assert "SRE" not in alice.get("/jobs").text
    assert "SRE" not in alice.get("/jobs", params={"q": "kubernetes"}).text
    assert alice.get(job_url).status_code == 404  # Alice never applied
    posted = client.get("/jobs/posted").text
    assert "SRE" in posted and "Closed" in posted


def test_a_posting_form_error_keeps_the_form_and_writes_nothing(app, network, rita, sqlite_engine):
    client, csrf = rita
    before = _jobs(sqlite_engine)
    for field, value, says in [
        ("title", "", "needs a title"),
        ("region", "Atlantis", "unknown region code"),
        ("employment_type", "gig", "type must be one of"),
    ]:
        refused = _post(client, csrf, "/jobs", **{**FORM, field: value})
        assert refused.status_code == 400 and says in refused.text, field
        assert 'role="alert"' in refused.text and 'value="Hooli"' in refused.text
    assert _jobs(sqlite_engine) == before


def test_use_this_draft_fills_the_form_and_publishes_nothing(app, network, rita, sqlite_engine):
    client, csrf = rita
    before = _jobs(sqlite_engine)
    draft = _post(
        client,
        csrf,
        "/jobs/new",
        title="Data Engineer",
        company="Globex",
        location="Berlin",
        skills="Python, SQL",
        description="Data Engineer at Globex, Berlin\n\nWhat you'll do\n- Work with Python",
    )
    assert draft.status_code == 200
    assert "Filled in from the job-posting writer" in draft.text
    assert 'value="Data Engineer"' in draft.text and 'value="Python, SQL"' in draft.text
    assert "What you&#39;ll do" in draft.text and 'action="/jobs"' in draft.text
    assert _jobs(sqlite_engine) == before  # a draft is never published by itself
    published = _post(
        client,
        csrf,
        "/jobs",
        title="Data Engineer",
        company="Globex",
        description="Edited by the recruiter",
        skills="Python",
    )
    assert published.status_code == 303 and _jobs(sqlite_engine) == before + 1


def test_members_cannot_post_and_other_recruiters_get_404(app, network, sqlite_engine):
    alice, csrf = signed_in(app, network, "alice")
    before = _jobs(sqlite_engine)
    assert alice.get("/jobs/new").status_code == 403
    assert _post(alice, csrf, "/jobs", **FORM).status_code == 403
    api = alice.post(
        "/api/v1/jobs", json={"title": "x", "company": "y"}, headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == 403 and "recruiters only" in api.json()["error"]
    assert _jobs(sqlite_engine) == before
    # Carol becomes a recruiter: Rita's posting is still not hers to touch.
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Member).where(Member.id == network.members["carol"]).values(role="recruiter")
        )
    carol, csrf = signed_in(app, network, "carol")
    job = network.jobs["python"]
    for method, path, kwargs in [
        ("GET", f"/jobs/{job}/edit", {}),
        ("POST", f"/jobs/{job}/edit", {"data": {**FORM, "csrf_token": csrf}}),
        ("POST", f"/jobs/{job}/close", {"data": {"csrf_token": csrf}}),
        ("GET", f"/jobs/{job}/applicants", {}),
        ("PATCH", f"/api/v1/jobs/{job}", {"json": {"title": "Mine now"}}),
        ("POST", f"/api/v1/jobs/{job}/close", {}),
        ("GET", f"/api/v1/jobs/{job}/applicants", {}),
    ]:
        response = carol.request(method, path, headers={"X-CSRF-Token": csrf}, **kwargs)
        assert response.status_code == 404, (method, path)
    with session_scope(sqlite_engine) as s:
        row = s.get(Job, job)
        assert row.title == "Senior Python Engineer" and row.closed_at is None


def test_apply_withdraw_and_what_is_refused(app, network, rita, sqlite_engine):
    recruiter, rita_csrf = rita
    alice, csrf = signed_in(app, network, "alice")
    job = network.jobs["python"]
    page = alice.get(f"/jobs/{job}/apply").text
    assert f'action="/jobs/{job}/apply"' in page and 'for="apply-note"' in page
    assert _post(alice, csrf, f"/jobs/{job}/apply", note="Hire me").status_code == 303
    assert "You applied on" in alice.get(f"/jobs/{job}").text
    again = _post(alice, csrf, f"/jobs/{job}/apply")
    assert again.status_code == 409 and "already applied" in again.text
    own = _post(recruiter, rita_csrf, f"/jobs/{job}/apply")
    assert own.status_code == 400 and "your own job" in own.text
    with session_scope(sqlite_engine) as s:
        told = s.scalars(
            select(Notification).where(Notification.member_id == network.members["rita"])
        ).all()
        assert [(n.kind, n.subject, n.subject_id) for n in told] == [("applicant", "job", job)]
    mine = alice.get("/jobs/applied").text
    assert "Senior Python Engineer" in mine and "Applied" in mine
    assert _post(alice, csrf, f"/jobs/{job}/withdraw").status_code == 303
    assert "You withdrew your application" in alice.get(f"/jobs/{job}").text
    assert "withdrawn" in alice.get("/jobs/applied").text
    # Closed: no applications, through the page or the API.
    _post(recruiter, rita_csrf, f"/jobs/{network.jobs['designer']}/close")
    bob, bob_csrf = signed_in(app, network, "bob")
    closed = _post(bob, bob_csrf, f"/jobs/{network.jobs['designer']}/apply")
    assert closed.status_code == 404  # Bob never applied: a closed posting is not shown to him
    api = bob.post(
        f"/api/v1/jobs/{network.jobs['designer']}/applications", headers={"X-CSRF-Token": bob_csrf}
    )
    assert api.status_code == 409 and "closed" in api.json()["error"]


def test_the_api_posts_patches_closes_and_applies(app, network, rita, sqlite_engine):
    recruiter, rita_csrf = rita
    headers = {"X-CSRF-Token": rita_csrf}
    created = recruiter.post(
        "/api/v1/jobs",
        json={"title": "Analyst", "company": "Acme", "region": "us-ny", "skills": ["Excel"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["region"] == "US-NY" and body["skills"] == ["Excel"] and body["closed_at"] is None
    job = body["id"]
    patched = recruiter.patch(
        f"/api/v1/jobs/{job}", json={"description": "Numbers."}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["description"] == "Numbers." and patched.json()["title"] == "Analyst"
    assert (
        recruiter.patch(f"/api/v1/jobs/{job}", json={"remote": "yes"}, headers=headers).status_code
        == 422
    )
    assert (
        recruiter.patch(f"/api/v1/jobs/{job}", json={"title": ""}, headers=headers).status_code
        == 422
    )

    bob, bob_csrf = signed_in(app, network, "bob")
    applied = bob.post(
        f"/api/v1/jobs/{job}/applications", json={"note": "Hi"}, headers={"X-CSRF-Token": bob_csrf}
    )
    assert applied.status_code == 201 and applied.json()["withdrawn_at"] is None
    listing = recruiter.get(f"/api/v1/jobs/{job}/applicants")
    assert listing.status_code == 200, listing.text
    [listed] = listing.json()
    assert (
        listed["handle"] == "bob"
        and listed["note"] == "Hi"
        and listed["profile_url"] == "/members/bob"
    )
    assert listed["ai"]["used"] is False and listed["ai"]["message"] == NOT_ALLOWED
    mine = bob.get("/api/v1/me/applications").json()
    assert [(a["job_id"], a["title"]) for a in mine] == [(job, "Analyst")]
    withdrawn = bob.delete(f"/api/v1/jobs/{job}/application", headers={"X-CSRF-Token": bob_csrf})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert (
        bob.delete(
            f"/api/v1/jobs/{job}/application", headers={"X-CSRF-Token": bob_csrf}
        ).status_code
        == 404
    )
    closed = recruiter.post(f"/api/v1/jobs/{job}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert bob.get(f"/api/v1/jobs/{job}").status_code == 200  # he applied: still sees it
    assert job not in [j["id"] for j in bob.get("/api/v1/jobs").json()["items"]]


def test_the_api_lists_of_types_are_the_rules(app):
    assert set(get_args(EmploymentType)) == set(EMPLOYMENT_TYPES)
    assert set(get_args(Seniority)) == set(SENIORITIES)


def test_applicants_page_lists_everyone_and_uses_ai_only_where_allowed(
    app, network, rita, sqlite_engine
):
    """Bob allows recruiter AI, Alice does not: both are listed with name, headline,
    profile link, note and date; Alice's entry says AI was not used. (With no models
    trained, Bob's says so instead of a score: the trained case is in test_ai_pages.)"""
    publish_default_policy(sqlite_engine, app.state.settings)
    grant(sqlite_engine, [network.members["bob"]], "recruiter-ai")
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Member).where(Member.id == network.members["rita"]).values(premium=True)
        )
    job = network.jobs["python"]
    for handle, note in (("alice", "Alice's note"), ("bob", "")):
        client, csrf = signed_in(app, network, handle)
        assert _post(client, csrf, f"/jobs/{job}/apply", note=note).status_code == 303
    recruiter, _ = rita
    html = recruiter.get(f"/jobs/{job}/applicants").text
    entries = dict(
        re.findall(
            r'<li class="card person">\s*<h2><a href="/members/(\w+)">(.*?)</li>', html, re.S
        )
    )
    assert set(entries) == {"alice", "bob"}
    assert (
        "Alice Archer" in entries["alice"]
        and "Data engineer who likes tidy pipelines" in entries["alice"]
    )
    assert "Alice&#39;s note" in entries["alice"] and "Applied" in entries["alice"]
    assert NOT_ALLOWED in entries["alice"] and "/ai/outreach" not in entries["alice"]
    assert NOT_ALLOWED not in entries["bob"]
    assert "The models have not been trained yet" in entries["bob"]
    api = {a["handle"]: a["ai"] for a in recruiter.get(f"/api/v1/jobs/{job}/applicants").json()}
    assert api["alice"] == {"used": False, "fit": None, "shared_skills": [], "message": NOT_ALLOWED}
    assert api["bob"]["used"] is False and api["bob"]["message"] != NOT_ALLOWED


def test_an_edit_or_close_queues_a_refresh_of_live_datasets(app, network, rita, sqlite_engine):
    from builders import build

    settings = app.state.settings
    publish_default_policy(sqlite_engine, settings)
    grant(sqlite_engine, [network.members["rita"]], "train-ai")
    build(sqlite_engine, settings, "train-ai", shards=1)
    client, csrf = rita
    job = network.jobs["python"]
    assert (
        _post(client, csrf, f"/jobs/{job}/edit", **{**FORM, "title": "Edited"}).status_code == 303
    )
    with session_scope(sqlite_engine) as s:
        queued = s.scalars(
            select(PropagationJob).where(PropagationJob.member_id == network.members["rita"])
        ).all()
        assert [(j.kind, j.status) for j in queued] == [("refresh", "queued")]


def test_search_page_and_api(app, network):
    alice, _ = signed_in(app, network, "alice")
    feed = alice.get("/feed").text
    assert 'action="/search"' in feed and 'for="header-q"' in feed  # the header's box
    people = alice.get("/search", params={"q": "archer", "type": "people"}).text
    assert 'href="/members/alice"' in people
    posts = alice.get("/search", params={"q": "musings", "type": "posts"}).text
    assert "Carol private musings" not in posts and "Nothing found." in posts
    jobs = alice.get("/search", params={"q": "figma", "type": "jobs"}).text
    assert f'href="/jobs/{network.jobs["designer"]}"' in jobs
    for q in ('"', "NEAR(", "*", "-x", "", "😀"):
        assert alice.get("/search", params={"q": q, "type": "posts"}).status_code == 200, q
    assert alice.get("/search", params={"type": "everything"}).status_code == 400
    found = alice.get("/api/v1/search", params={"q": "hello", "type": "posts"}).json()
    assert [p["text"] for p in found["posts"]] == ["Alice public hello"]
    assert found["next_page"] is None and found["people"] == [] and found["jobs"] == []
    assert alice.get("/api/v1/search", params={"q": "x" * 201}).status_code == 422
    with session_scope(app.state.engine) as s:
        assert s.scalar(select(func.count()).select_from(JobApplication)) == 0
