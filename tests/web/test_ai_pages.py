"""The AI feature pages and API on a trained network: Premium and role gating, what each
page says it uses, the features' real outputs, multi-turn chat citing jobs, outreach
refused with the candidate's reason, and a clear message while nothing is trained."""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from builders import LENA, MAYA, OPS, RAVI, build_trained_world, build_world, sealed_engine
from consentry.consent.decide import decide
from consentry.genai.base import base_model_id
from consentry.network.jobs import close_job
from consentry.store.engine import session_scope
from consentry.store.tables import Job
from consentry.web.app import create_app
from web.helpers import csrf_from, log_in_form

MEMBER_PAGES = ("/ai/profile-assistant", "/ai/chat")
RECRUITER_PAGES = ("/ai/job-post", "/ai/outreach")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, sqlite_template):
    """One trained network for the module's tests (they read it; chat state is per client)."""
    folder = tmp_path_factory.mktemp("ai")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    world = build_trained_world(engine, folder / "data")
    yield world
    engine.dispose()


@pytest.fixture
def app(trained):
    return create_app(trained.settings, trained.engine)


def client_for(app, email: str | None) -> TestClient:
    client = TestClient(app)
    if email:
        log_in_form(client, email)
    return client


def test_hub_lists_each_role_s_features_with_what_they_use(app):
    lena = client_for(app, LENA.email).get("/ai").text
    assert 'href="/ai/profile-assistant"' in lena and 'href="/ai/chat"' in lena
    assert 'href="/ai/outreach"' not in lena  # recruiter tools are not offered to members
    assert "Content-creation AI" in lena and "Ranking and matching AI" in lena
    ravi = client_for(app, RAVI.email).get("/ai").text
    assert 'href="/ai/job-post"' in ravi and 'href="/ai/outreach"' in ravi
    assert "Recruiter AI" in ravi
    maya = client_for(app, MAYA.email).get("/ai").text
    assert "part of <strong>Consentry Premium</strong>" in maya
    assert '<a href="/ai">AI features</a>' in client_for(app, LENA.email).get("/feed").text


def test_members_without_premium_see_the_offer_instead_of_the_feature(app):
    maya = client_for(app, MAYA.email)
    for path in MEMBER_PAGES:
        page = maya.get(path)
        assert page.status_code == 200, path
        assert "Part of Consentry Premium" in page.text
        assert "What this feature uses" in page.text  # still says what it would use
        assert 'action="/ai/' not in page.text  # but no form to use it
    csrf = csrf_from(maya.get("/feed").text)
    refused = maya.post("/ai/profile-assistant", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "Part of Consentry Premium" in refused.text
    api = maya.post("/api/v1/ai/profile-assistant", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 403 and api.json()["premium_required"] is True
    features = {f["key"]: f for f in maya.get("/api/v1/ai/features").json()}
    assert features["job-chat"]["available"] is False
    assert features["job-chat"]["premium_required"] is True


def test_recruiter_tools_refuse_members_and_operators(app):
    for email in (LENA.email, OPS.email):
        client = client_for(app, email)
        csrf = csrf_from(client.get("/feed").text)
        for path in RECRUITER_PAGES:
            assert client.get(path).status_code == 403, (email, path)
        r = client.post(
            "/api/v1/ai/job-post",
            json={"title": "Nurse", "company": "Acme"},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 403 and r.json()["premium_required"] is False
    anonymous = TestClient(app)
    assert anonymous.get("/ai/chat", follow_redirects=False).status_code == 303
    assert anonymous.get("/api/v1/ai/features").status_code == 401


def test_profile_assistant_writes_from_the_member_s_own_profile(app):
    lena = client_for(app, LENA.email)
    page = lena.get("/ai/profile-assistant").text
    assert "What this feature uses" in page and "your own profile" in page
    done = lena.post("/ai/profile-assistant", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 200
    headline = re.search(r'id="draft-headline">([^<]+)<', done.text).group(1)
    api = lena.post("/api/v1/ai/profile-assistant", headers={"X-CSRF-Token": csrf_from(page)})
    assert api.status_code == 200
    body = api.json()
    assert body["headline"] == headline.replace("&amp;", "&")
    assert len(body["missing_skills"]) == 5
    # No writer adapters are trained in this world: the base model wrote it, and says so.
    assert body["models"]["language-model"] == base_model_id()
    assert set(body["models"]) == {"phrasing", "skills", "language-model"}
    assert f"language-model <code>{base_model_id()}</code>" in done.text
    assert base_model_id() in page and "no adapters trained on members" in page
    features = {f["key"]: f for f in lena.get("/api/v1/ai/features").json()}
    assert features["profile-assistant"]["language_model"] == {"language-model": base_model_id()}
    for skill in body["missing_skills"]:
        assert skill.replace("&", "&amp;") in done.text


def test_chat_is_multi_turn_and_cites_jobs_as_links(app, trained):
    lena = client_for(app, LENA.email)
    csrf = csrf_from(lena.get("/ai/chat").text)
    sent = lena.post(
        "/ai/chat", data={"message": "find jobs for me", "csrf_token": csrf}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/ai/chat#turn-2"
    page = lena.get("/ai/chat").text
    cited = [int(j) for j in re.findall(r'<a href="/jobs/(\d+)">job \1</a>', page)]
    assert cited, page
    with session_scope(trained.engine) as session:
        live = set(session.scalars(select(Job.id).where(Job.deleted_at.is_(None))))
    assert set(cited) <= live
    # The conversation remembers the jobs it showed: "the first one" needs no id.
    lena.post(
        "/ai/chat",
        data={"message": "which skills am I missing for the first one?", "csrf_token": csrf},
    )
    page = lena.get("/ai/chat").text
    assert f"For job {cited[0]}" in re.sub(r"<[^>]+>", "", page) or f"job {cited[0]} lists" in page
    assert page.count('class="from-member"') == 2 and page.count('class="from-assistant"') == 2
    # A new conversation starts empty.
    lena.post("/ai/chat/new", data={"csrf_token": csrf})
    assert 'class="from-member"' not in lena.get("/ai/chat").text


def test_chat_api_keeps_conversations_private(app):
    lena = client_for(app, LENA.email)
    csrf = csrf_from(lena.get("/feed").text)
    first = lena.post(
        "/api/v1/ai/chat", json={"message": "find jobs for me"}, headers={"X-CSRF-Token": csrf}
    ).json()
    assert first["turns"] == 2 and first["reply"]["who"] == "assistant"
    jobs = first["reply"]["jobs"]
    assert jobs and all(j["url"] == f"/jobs/{j['id']}" for j in jobs)
    cid = first["conversation_id"]
    second = lena.post(
        "/api/v1/ai/chat",
        json={"message": "draft my headline for it", "conversation_id": cid},
        headers={"X-CSRF-Token": csrf},
    ).json()
    assert second["turns"] == 4 and f"job {jobs[0]['id']}" in second["reply"]["text"]
    assert len(lena.get(f"/api/v1/ai/chat/{cid}").json()["turns"]) == 4
    # Another premium account cannot read or continue it.
    ravi = client_for(app, RAVI.email)
    r_csrf = csrf_from(ravi.get("/feed").text)
    assert ravi.get(f"/api/v1/ai/chat/{cid}").status_code == 404
    stolen = ravi.post(
        "/api/v1/ai/chat",
        json={"message": "hi", "conversation_id": cid},
        headers={"X-CSRF-Token": r_csrf},
    )
    assert stolen.status_code == 404
    assert (
        ravi.delete(f"/api/v1/ai/chat/{cid}", headers={"X-CSRF-Token": r_csrf}).status_code == 404
    )
    assert lena.delete(f"/api/v1/ai/chat/{cid}", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert lena.get(f"/api/v1/ai/chat/{cid}").status_code == 404


def test_chat_rejects_empty_and_overlong_messages(app):
    lena = client_for(app, LENA.email)
    csrf = csrf_from(lena.get("/ai/chat").text)
    assert lena.post("/ai/chat", data={"message": "  ", "csrf_token": csrf}).status_code == 400
    long = lena.post("/ai/chat", data={"message": "x" * 501, "csrf_token": csrf})
    assert long.status_code == 400 and "under 500 characters" in long.text
    api = lena.post("/api/v1/ai/chat", json={"message": ""}, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 422


def test_job_post_writer_writes_a_posting_for_recruiters(app):
    ravi = client_for(app, RAVI.email)
    page = ravi.get("/ai/job-post").text
    assert "What this feature uses" in page
    done = ravi.post(
        "/ai/job-post",
        data={
            "title": "Data Engineer",
            "company": "Globex",
            "location": "Berlin",
            "skills": "Python, SQL",
            "csrf_token": csrf_from(page),
        },
    )
    assert done.status_code == 200
    posting = re.search(r'id="draft-posting">(.*?)</pre>', done.text, re.S).group(1)
    assert posting.startswith("Data Engineer at Globex, Berlin")
    assert "Experience with Python" in posting and "Experience with SQL" in posting
    missing = ravi.post(
        "/ai/job-post", data={"title": "", "company": "", "csrf_token": csrf_from(page)}
    )
    assert missing.status_code == 400 and "needs at least a title and a company" in missing.text


def test_outreach_only_for_own_jobs_and_only_with_the_candidate_s_permission(app, trained):
    ravi = client_for(app, RAVI.email)
    page = ravi.get("/ai/outreach").text
    own = [int(j) for j in re.findall(r'<option value="(\d+)"', page)]
    assert own, "the demo recruiter has live postings"
    csrf = csrf_from(page)
    ok = ravi.post(
        "/ai/outreach", data={"job_id": own[0], "candidate": LENA.handle, "csrf_token": csrf}
    )
    assert ok.status_code == 200 and "Draft to Lena Hoffmann" in ok.text
    assert f"(job {own[0]})" in ok.text
    refused = ravi.post(
        "/ai/outreach", data={"job_id": own[0], "candidate": MAYA.handle, "csrf_token": csrf}
    )
    assert refused.status_code == 403
    assert "No draft" in refused.text and "is not available for recruiter AI" in refused.text
    assert "Draft to" not in refused.text
    api = ravi.post(
        "/api/v1/ai/outreach",
        json={"job_id": own[0], "candidate": MAYA.handle},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 403 and api.json()["refused"] is True
    assert api.json()["error"].endswith("is not available for recruiter AI")
    # Maya withdrew: the recruiter learns nothing of her history, on the page or the API.
    with session_scope(trained.engine) as session:
        decision = decide(session, trained.member_id(MAYA.email), "recruiter-ai")
    assert decision.code == "withdrawn"
    section = refused.text.split('class="card refusal"', 1)[1].split("</section>", 1)[0]
    assert str(escape(decision.reason)) not in refused.text
    for said in (section, api.text):
        assert str(escape(decision.reason)) not in said and decision.reason not in said
        assert "withdr" not in said.lower() and "consent" not in said.lower()
    assert set(api.json()) == {"error", "refused"}
    with session_scope(trained.engine) as session:
        others = session.scalar(
            select(Job.id).where(Job.id.not_in(own), Job.deleted_at.is_(None)).limit(1)
        )
    not_mine = ravi.post(
        "/ai/outreach", data={"job_id": others, "candidate": LENA.handle, "csrf_token": csrf}
    )
    assert not_mine.status_code == 400 and "your own live job postings" in not_mine.text
    nobody = ravi.post(
        "/ai/outreach", data={"job_id": own[0], "candidate": "no.such.person", "csrf_token": csrf}
    )
    assert nobody.status_code == 400 and "no member called" in nobody.text


def test_pages_say_the_models_are_not_trained_instead_of_failing(sqlite_engine, tmp_path):
    world = build_world(sqlite_engine, tmp_path / "data", members=20)
    app = create_app(world.settings, world.engine)
    lena = client_for(app, LENA.email)
    for path in MEMBER_PAGES:
        page = lena.get(path)
        assert page.status_code == 200 and "run `consentry train`" in page.text, path
    csrf = csrf_from(lena.get("/feed").text)
    posted = lena.post("/ai/chat", data={"message": "find jobs", "csrf_token": csrf})
    assert posted.status_code == 409 and "have not been trained yet" in posted.text
    api = lena.post("/api/v1/ai/profile-assistant", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 409
    assert set(api.json()["missing_models"]) == {"phrasing", "skills"}
    ravi = client_for(app, RAVI.email)
    assert "run `consentry train`" in ravi.get("/ai/outreach").text


def test_outreach_leaves_out_a_closed_posting(app, trained):
    ravi = client_for(app, RAVI.email)
    own = [int(j) for j in re.findall(r'<option value="(\d+)"', ravi.get("/ai/outreach").text)]
    closing = own[-1]
    recruiter = trained.member_id(RAVI.email)
    with session_scope(trained.engine) as session:
        close_job(session, recruiter, closing)
    try:
        page = ravi.get("/ai/outreach").text
        assert f'<option value="{closing}"' not in page
        refused = ravi.post(
            "/ai/outreach",
            data={"job_id": closing, "candidate": LENA.handle, "csrf_token": csrf_from(page)},
        )
        assert refused.status_code in (400, 403, 404) and "Draft to" not in refused.text
    finally:  # the module's network is shared by its tests: reopen the posting
        with session_scope(trained.engine) as session:
            session.get(Job, closing).closed_at = None
