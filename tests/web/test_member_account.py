"""Export, import and erasure from the member's pages and the API."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from builders import PASSWORD, build, publish_default_policy
from consentry.network.linkedin_archive import MAX_ROWS_PER_FILE
from consentry.rights.worker import background_worker, run_worker
from consentry.store.engine import session_scope
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import Member, Position, Post, Skill
from web.helpers import csrf_from, log_in

ALL_SCOPES = ["read", "write", "erase"]


@pytest.fixture
def policy(app, sqlite_engine):
    publish_default_policy(sqlite_engine, app.state.settings)


def test_export_page_downloads_my_zip_with_ai_use_files(alice, policy):
    token = csrf_from(alice.get("/account/export").text)
    alice.post("/settings/ai/train-ai", data={"csrf_token": token, "choice": "on"})
    response = alice.post("/account/export", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="consentry-alice-' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        names = set(z.namelist())
        assert {
            "Profile.csv",
            "Shares.csv",
            "choices.json",
            "choices.csv",
            "datasets.json",
        } <= names
        assert '"action": "grant"' in z.read("choices.json").decode()
        assert "Carol" not in z.read("Shares.csv").decode()
    assert alice.get("/account/export", follow_redirects=False).status_code == 200
    assert alice.post("/account/export").status_code == 403  # no CSRF token: refused


def test_import_page_reports_and_refuses_non_zips(alice, policy, network, sqlite_engine):
    token = csrf_from(alice.get("/account/import").text)
    archive = alice.post("/account/export", data={"csrf_token": token}).content
    with session_scope(sqlite_engine) as s:
        s.execute(
            Position.__table__.update()
            .where(Position.member_id == network.members["alice"])
            .values(deleted_at=func.now())
        )
    page = alice.post(
        "/account/import",
        data={"csrf_token": token},
        files={"archive": ("export.zip", archive, "application/zip")},
    )
    assert page.status_code == 200
    assert "What was imported" in page.text and "Positions.csv" in page.text
    assert "already on your profile" in page.text  # skills were there
    assert "Data Engineer" in alice.get("/profile").text
    bad = alice.post(
        "/account/import",
        data={"csrf_token": token},
        files={"archive": ("notes.txt", b"hello", "text/plain")},
    )
    assert bad.status_code == 400 and "not a zip archive" in bad.text


def test_api_export_import_and_my_data(alice, policy, network, sqlite_engine, app):
    csrf = alice.get("/api/v1/me").json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    on = alice.put("/api/v1/me/ai-settings/train-ai", json={"allowed": True}, headers=h)
    assert on.status_code == 200 and on.json()["changed"] and on.json()["setting"]["allowed"]
    again = alice.put("/api/v1/me/ai-settings/train-ai", json={"allowed": True}, headers=h)
    assert again.json()["changed"] is False
    dataset = build(sqlite_engine, app.state.settings)
    assert [d["id"] for d in alice.get("/api/v1/me/datasets").json()] == [dataset]
    off = alice.put("/api/v1/me/ai-settings/train-ai", json={"allowed": False}, headers=h).json()
    assert off["propagation_job_id"] and off["setting"]["allowed"] is False
    assert [j["job_id"] for j in alice.get("/api/v1/me/propagation").json()] == [
        off["propagation_job_id"]
    ]
    (outcome,) = run_worker(sqlite_engine, app.state.settings, once=True)
    assert outcome.status == "done", outcome.error
    held = {d["id"]: d["status"] for d in alice.get("/api/v1/me/datasets").json()}
    assert held[dataset] == "retired" and "active" not in held.values()
    (receipt,) = alice.get("/api/v1/me/receipts").json()
    full = alice.get(f"/api/v1/me/receipts/{receipt['id']}").json()
    assert full["member_id"] == network.members["alice"] and full["signature"]["value"]
    assert alice.get("/api/v1/me/propagation").json() == []
    timeline = alice.get("/api/v1/me/timeline").json()
    assert [e["action"] for e in timeline] == ["withdraw", "grant"]
    assert alice.get("/api/v1/me/ai-settings").json()[0]["reason"]
    export = alice.post("/api/v1/me/export", headers=h)
    assert export.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as z:
        assert f"receipts/{receipt['id']}.json" in z.namelist()
    report = alice.post(
        "/api/v1/me/import",
        headers=h,
        files={"archive": ("a.zip", export.content, "application/zip")},
    )
    assert report.status_code == 200
    files = {f["file"]: f for f in report.json()["files"]}
    assert files["Skills.csv"]["rows_imported"] == 0 and files["Skills.csv"]["rows_skipped"]
    bad = alice.post(
        "/api/v1/me/import", headers=h, files={"archive": ("a.zip", b"nope", "application/zip")}
    )
    assert bad.status_code == 400 and bad.json()["error"].startswith("this is not a zip")


def test_erase_my_account_needs_confirmation_then_ends_everything(
    alice, client, policy, network, sqlite_engine, app
):
    me = network.members["alice"]
    csrf = alice.get("/api/v1/me").json()["csrf_token"]
    alice.put(
        "/api/v1/me/ai-settings/train-ai", json={"allowed": True}, headers={"X-CSRF-Token": csrf}
    )
    build(sqlite_engine, app.state.settings)
    page = alice.get("/account/erase").text
    # Her handle is public: it no longer confirms anything, only her password does.
    for typed in ("@alice", "alice"):
        wrong = alice.post(
            "/account/erase", data={"csrf_token": csrf_from(page), "password": typed}
        )
        assert wrong.status_code == 400 and "type your password" in wrong.text
    with session_scope(sqlite_engine) as s:
        assert s.get(Member, me).deleted_at is None
    # As under `consentry serve`: a worker beside the server, the erasure waiting for it.
    app.state.options = replace(app.state.options, receipt_wait_s=60.0)
    with background_worker(sqlite_engine, app.state.settings):
        done = alice.post(
            "/account/erase", data={"csrf_token": csrf_from(page), "password": PASSWORD}
        )
    assert done.status_code == 200
    assert "Your account was erased" in done.text and "signature" in done.text
    assert alice.get("/feed", follow_redirects=False).status_code == 303  # signed out
    assert log_in(client, network.email("alice")).status_code == 401
    with session_scope(sqlite_engine) as s:
        assert s.get(Member, me).deleted_at is not None
        assert (
            s.scalar(
                select(func.count())
                .select_from(Position)
                .where(Position.member_id == me, Position.deleted_at.is_(None))
            )
            == 0
        )


def test_api_erase_with_password_revokes_the_token(client, policy, network, app, sqlite_engine):
    token = client.post(
        "/api/v1/tokens",
        json={"email": network.email("bob"), "password": PASSWORD, "scopes": ALL_SCOPES},
    ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    for typed in ("bob", "@bob"):
        refused = client.post("/api/v1/me/erase", json={"password": typed}, headers=h)
        assert refused.status_code == 400
    app.state.options = replace(app.state.options, receipt_wait_s=60.0)
    with background_worker(sqlite_engine, app.state.settings):
        done = client.post("/api/v1/me/erase", json={"password": PASSWORD}, headers=h)
    assert done.status_code == 200 and done.json()["erased"] is True
    assert done.json()["receipt"]["kind"] == "erase"
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_without_a_worker_an_erasure_answers_at_once_and_the_receipt_follows(
    client, policy, network, app, sqlite_engine
):
    token = client.post(
        "/api/v1/tokens",
        json={"email": network.email("bob"), "password": PASSWORD, "scopes": ALL_SCOPES},
    ).json()["access_token"]
    done = client.post(
        "/api/v1/me/erase",
        json={"password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert done["erased"] is True and done["status"] == "queued" and done["receipt"] is None
    (outcome,) = run_worker(sqlite_engine, app.state.settings, once=True)
    assert outcome.status == "done" and outcome.receipt_id
    with session_scope(sqlite_engine) as s:
        assert s.get(PropagationJob, done["propagation_job_id"]).receipt_id == outcome.receipt_id


def test_an_upload_past_the_row_limit_is_a_413_with_nothing_written(alice, sqlite_engine):
    shares = "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n" + "".join(
        f"2024-03-12 09:30:00,https://www.linkedin.com/feed/update/urn:li:share:{i},Note {i},,,"
        "PUBLIC\n"
        for i in range(MAX_ROWS_PER_FILE + 1)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Skills.csv", "Name\nFortran 77\n")
        z.writestr("Shares.csv", shares)
    with session_scope(sqlite_engine) as s:
        before = s.scalar(select(func.count()).select_from(Post))
    csrf = alice.get("/api/v1/me").json()["csrf_token"]
    refused = alice.post(
        "/api/v1/me/import",
        headers={"X-CSRF-Token": csrf},
        files={"archive": ("a.zip", buffer.getvalue(), "application/zip")},
    )
    assert refused.status_code == 413
    assert refused.json()["error"] == (
        "Shares.csv has more than 20,000 rows; at most 20,000 rows of one file are imported"
    )
    with session_scope(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Post)) == before
        assert "Fortran 77" not in s.scalars(select(Skill.name)).all()


def test_consent_through_the_api_is_a_json_boolean_only(alice, policy, sqlite_engine):
    csrf = alice.get("/api/v1/me").json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    for vague in ("yes", "no", "true", 1, 0, None):
        r = alice.put("/api/v1/me/ai-settings/train-ai", json={"allowed": vague}, headers=h)
        assert r.status_code == 422 and r.json()["error"], (vague, r.text)
    assert alice.get("/api/v1/me/timeline").json() == []  # nothing was recorded
