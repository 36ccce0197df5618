"""The operator pages and admin API: who may see them, and that what they show is what
the datasets, the ledger and the consent decisions really say."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from builders import LENA, OPS, RAVI, build_world, sealed_engine
from consentry.consent.decide import decide
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.consent_tables import ConsentEvent
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope
from consentry.store.tables import Member
from consentry.web.app import create_app
from web.helpers import csrf_from, log_in_form

PAGES = (
    "/admin",
    "/admin/datasets",
    "/admin/datasets/{ds}",
    "/admin/models",
    "/admin/propagation",
    "/admin/ledger",
    "/admin/consent-rates",
    "/admin/consent-rates.svg",
)
API_GETS = (
    "/api/v1/admin/datasets",
    "/api/v1/admin/datasets/{ds}",
    "/api/v1/admin/models",
    "/api/v1/admin/propagation/jobs",
    "/api/v1/admin/consent-rates",
    "/api/v1/admin/ledger/checkpoints",
)
POSTS = ("/admin/datasets/{ds}/audit", "/admin/ledger/verify")
API_POSTS = ("/api/v1/admin/datasets/{ds}/audit", "/api/v1/admin/ledger/verify")


@pytest.fixture(scope="module")
def shared(tmp_path_factory, sqlite_template):
    """One world for the tests that only read (most of them): built once per module."""
    folder = tmp_path_factory.mktemp("operators")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    yield build_world(engine, folder / "data")
    engine.dispose()


@pytest.fixture
def world(shared):
    return shared


@pytest.fixture
def own_world(sqlite_engine, tmp_path):
    """A world of the test's own, for tests that tamper with it or change it."""
    return build_world(sqlite_engine, tmp_path / "data")


def _client(world):
    return TestClient(create_app(world.settings, world.engine))


@pytest.fixture
def client(world):
    with _client(world) as c:
        yield c


@pytest.fixture
def ops(client):
    return log_in_form(client, OPS.email)


@pytest.fixture
def own_ops(own_world):
    with _client(own_world) as c:
        yield log_in_form(c, OPS.email)


def _paths(paths, world):
    return [p.format(ds=world.datasets["train-ai"]) for p in paths]


def test_anonymous_visitors_are_sent_to_log_in_and_api_says_401(client, world):
    for path in _paths(PAGES, world):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    for path in _paths(API_GETS, world):
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"], path


@pytest.mark.parametrize("who", [LENA, RAVI], ids=["member", "recruiter"])
def test_members_and_recruiters_are_refused_everywhere(client, world, who):
    log_in_form(client, who.email)
    csrf = csrf_from(client.get("/feed").text)
    for path in _paths(PAGES, world):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "operators only" in r.text
    for path in _paths(API_GETS, world):
        r = client.get(path)
        assert r.status_code == 403 and r.headers["content-type"] == "application/json", path
        assert r.json() == {"error": "This area is for Consentry's operators only."}
    for path in _paths(POSTS, world):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 403, path
    for path in _paths(API_POSTS, world):
        assert client.post(path, headers={"X-CSRF-Token": csrf}).status_code == 403, path
    # No link to the operator area is offered either.
    assert 'href="/admin"' not in client.get("/feed").text


def test_operator_sees_every_page_and_the_nav_link(ops, world):
    for path in _paths(PAGES, world):
        r = ops.get(path)
        assert r.status_code == 200, path
        assert "<Macro" not in r.text and "Undefined" not in r.text, path
    for path in _paths(API_GETS, world):
        assert ops.get(path).status_code == 200, path
    assert '<a href="/admin">Operators</a>' in ops.get("/feed").text


def test_api_token_works_for_operators_and_is_refused_for_members(client, world):
    def token(email):
        r = client.post("/api/v1/tokens", json={"email": email, "password": "consentry-demo"})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    ds = world.datasets["train-ai"]
    assert client.get("/api/v1/admin/datasets", headers=token(OPS.email)).status_code == 200
    # A bearer token needs no CSRF header, even for the POSTs.
    r = client.post(f"/api/v1/admin/datasets/{ds}/audit", headers=token(OPS.email))
    assert r.status_code == 200 and r.json()["ok"] is True
    assert client.get("/api/v1/admin/datasets", headers=token(LENA.email)).status_code == 403


def test_dataset_list_and_show_carry_the_manifest_figures(ops, world):
    ds = world.datasets["train-ai"]
    listing = ops.get("/admin/datasets").text
    assert f'href="/admin/datasets/{ds}"' in listing
    detail = ops.get(f"/api/v1/admin/datasets/{ds}").json()
    manifest = detail["manifest"]
    assert detail["records"] == manifest["counts"]["records"] > 0
    page = ops.get(f"/admin/datasets/{ds}").text
    assert f"{detail['records']:,}" in page and f"{detail['members']:,}" in page
    for f in manifest["files"]:
        assert f["sha256"][:16] in page and f["file"] in page
    assert "The author had not allowed this purpose" in page
    no_consent = manifest["excluded"]["no_consent"]
    assert re.search(rf"not allowed this purpose</th><td class=\"num\">{no_consent:,}<", page)


def test_audit_reports_no_violations_then_catches_a_tampered_shard(own_ops, own_world):
    ds = own_world.datasets["train-ai"]
    page = own_ops.get(f"/admin/datasets/{ds}").text
    clean = own_ops.post(f"/admin/datasets/{ds}/audit", data={"csrf_token": csrf_from(page)})
    assert clean.status_code == 200 and "No violations." in clean.text
    # Swap two shard files: both still read as Parquet, neither has its recorded hash.
    stored = own_ops.get(f"/api/v1/admin/datasets/{ds}").json()["path"]
    assert not Path(stored).is_absolute()  # relative to the data folder
    folder = own_world.settings.data_dir / stored
    first, second = sorted((folder / "data").glob("*.parquet"))[:2]
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    bad = own_ops.post(f"/admin/datasets/{ds}/audit", data={"csrf_token": csrf_from(page)})
    assert bad.status_code == 200 and "violations." in bad.text
    assert "No violations." not in bad.text
    api = own_ops.post(
        f"/api/v1/admin/datasets/{ds}/audit", headers={"X-CSRF-Token": csrf_from(page)}
    ).json()
    assert api["ok"] is False and api["violations"]
    assert {f["check"] for f in api["findings"]} == {"files"}
    sweep = own_ops.post("/api/v1/admin/audit", headers={"X-CSRF-Token": csrf_from(page)}).json()
    assert sweep["ok"] is False and ds in {d["dataset_id"] for d in sweep["datasets"]}


def test_audit_without_csrf_is_refused(ops, world):
    ds = world.datasets["train-ai"]
    assert ops.post(f"/admin/datasets/{ds}/audit").status_code == 403
    assert ops.post("/api/v1/admin/ledger/verify").status_code == 403


def test_unknown_and_malformed_ids(ops):
    r = ops.get("/admin/datasets/train-ai-nope")
    assert r.status_code == 404 and "train-ai-nope" in r.text
    assert ops.get("/api/v1/admin/models/nope").status_code == 404
    assert ops.get("/api/v1/admin/datasets/..%2Fsecret").status_code in (404, 422)
    assert ops.get("/admin/propagation?status=bogus").status_code == 400
    assert ops.get("/api/v1/admin/propagation/jobs?limit=0").status_code == 422


def test_ledger_verifies_then_names_the_edited_entry(own_ops, own_world):
    page = own_ops.get("/admin/ledger").text
    ok = own_ops.post("/admin/ledger/verify", data={"csrf_token": csrf_from(page)})
    assert "The ledger verifies" in ok.text
    with own_world.engine.begin() as conn:
        # Tampering needs rights beyond the application's: drop the append-only trigger.
        conn.execute(text("DROP TRIGGER consent_events_no_update"))
        conn.execute(update(ConsentEvent).where(ConsentEvent.seq == 7).values(actor="mallory"))
    bad = own_ops.post("/admin/ledger/verify", data={"csrf_token": csrf_from(page)})
    assert "The ledger does NOT verify" in bad.text
    assert "First bad entry: 7." in bad.text
    api = own_ops.post("/api/v1/admin/ledger/verify", headers={"X-CSRF-Token": csrf_from(page)})
    assert api.json()["ok"] is False and api.json()["bad_seq"] == 7
    assert any("triggers" in p and "missing" in p for p in api.json()["problems"])


def test_signed_checkpoints_are_served_to_operators_and_verify_with_the_jwks(ops, world):
    from consentry.consent.checkpoints import JWS_TYPE
    from consentry.signing import check_detached

    served = ops.get("/api/v1/admin/ledger/checkpoints").json()
    jwks = ops.get("/.well-known/jwks.json").json()
    builds = [c for c in served["checkpoints"] if c["reason"] == "build"]
    assert builds and served["unreadable_lines"] == 0
    for c in served["checkpoints"]:
        assert check_detached(c, jwks, JWS_TYPE, issued_at=c["written_at"]) is None
    forged = {**builds[-1], "seq": builds[-1]["seq"] + 1}
    assert "altered" in check_detached(forged, jwks, JWS_TYPE, issued_at=forged["written_at"])


def test_consent_rates_match_one_by_one_decisions(ops, world):
    rates = ops.get("/api/v1/admin/consent-rates").json()
    assert set(rates["purposes"]) == {"train-genai", "train-ai", "recruiter-ai", "share-affiliates"}
    with session_scope(world.engine) as session:
        live = session.scalars(select(Member).where(Member.deleted_at.is_(None))).all()
        by_region: dict[str, list[Member]] = {}
        for m in live:
            by_region.setdefault(m.region, []).append(m)
        for row in rates["regions"]:
            members = by_region[row["region"]]
            assert row["members"] == len(members)
            for purpose in rates["purposes"]:
                allowed = sum(
                    decide(session, m, purpose, as_of_seq=rates["as_of_seq"]).allowed
                    for m in members
                )
                assert row["allowed"][purpose] == allowed, (row["region"], purpose)
    assert rates["total"]["members"] == len(live)
    assert sum(r["members"] for r in rates["regions"]) == len(live)
    # Somebody allowed something, and not everybody allowed everything.
    shares = [s for r in rates["regions"] for s in r["share"].values()]
    assert 0 < sum(shares) < len(shares)


def test_consent_rates_page_has_an_accessible_chart_and_the_same_figures(ops):
    rates = ops.get("/api/v1/admin/consent-rates").json()
    page = ops.get("/admin/consent-rates").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart"' in page
    assert (
        'role="img"' in page and 'aria-labelledby="consent-rates-title consent-rates-desc"' in page
    )
    assert "<script" not in page and "style=" not in page  # the strict CSP holds
    table = page[page.index('id="consent-rates-table"') :]
    for row in rates["regions"]:
        assert f"{row['name']}" in table
    total = rates["total"]
    share = total["allowed"]["train-ai"] / total["members"]
    assert f"{share:.1%}" in table
    # The chart draws all regions, the 12 largest, and one group for the rest.
    groups = page.count('<g class="bar-group">')
    assert groups == 1 + min(12, len(rates["regions"])) + (len(rates["regions"]) > 12)
    svg = ops.get("/admin/consent-rates.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<?xml") and svg.text.rstrip().endswith("</svg>")


def test_propagation_queue_shows_a_withdrawal_queued_then_done(own_ops, own_world):
    with session_scope(own_world.engine) as session:
        # Someone whose records are in the dataset, so their withdrawal changes it.
        member = session.scalar(
            select(Member)
            .join(DatasetLineageRow, DatasetLineageRow.member_id == Member.id)
            .where(DatasetLineageRow.dataset_id == own_world.datasets["train-ai"])
            .limit(1)
        )
        member_id, handle = member.id, member.handle
    request = withdraw(
        own_world.engine, own_world.settings, member_id, "train-ai", source="api", actor="test"
    )
    queued = own_ops.get("/api/v1/admin/propagation/jobs?status=queued").json()
    job = next(j for j in queued["jobs"] if j["id"] == request.job_id)
    assert job["member_handle"] == handle and job["purpose"] == "train-ai"
    assert queued["counts"]["queued"] >= 1
    page = own_ops.get("/admin/propagation?status=queued").text
    assert handle in page and "queued" in page
    assert '<a href="/admin/propagation?status=queued" aria-current="page">' in page
    empty = own_ops.get("/admin/propagation?status=failed").text
    assert "No failed jobs." in empty
    outcome = propagate_now(own_world.engine, own_world.settings, request.job_id)
    assert outcome is not None and outcome.status == "done"
    done = own_ops.get("/api/v1/admin/propagation/jobs?status=done").json()
    job = next(j for j in done["jobs"] if j["id"] == request.job_id)
    assert job["step"] == "done" and job["receipt_id"]
    page = own_ops.get("/admin/propagation").text
    assert job["receipt_id"][:12] in page
    # The old dataset is retired and a successor is active.
    listing = own_ops.get("/api/v1/admin/datasets").json()
    statuses = {d["id"]: d["status"] for d in listing}
    assert statuses[own_world.datasets["train-ai"]] == "retired"
    assert any(d["parent_id"] == own_world.datasets["train-ai"] for d in listing)


def test_models_page_says_how_to_train_when_there_are_none(ops):
    page = ops.get("/admin/models").text
    assert "The models have not been trained" in page and "consentry train" in page
    assert ops.get("/api/v1/admin/models").json() == []
