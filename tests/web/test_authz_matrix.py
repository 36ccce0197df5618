"""The authorisation matrix: every route of the app, every role, no cross-member access.

The routes are enumerated from the app itself, so a route added later is checked without
editing this file. What each route expects is derived from its metadata:

- public: listed in PUBLIC below (log-in, API tokens, the GPC statement, the API docs,
  the receipt keys and the published JSON Schemas);
- admin-only: depends on `roles.current_operator`. By convention every route under
  /admin or /api/v1/admin must, and no route elsewhere does: both are asserted;
- recruiter-only: depends on `roles.current_recruiter`;
- otherwise: any signed-in member, acting on their own data only; under /ai and
  /api/v1/ai (Premium and recruiter features, gated inside the route) a signed-in member
  may be refused with a 403, but never asked to sign in and never shown another's data.

A route with a path parameter needs a sample value in SAMPLES; a new parameter name
without one fails the test with a message saying so. Parameters naming something a member
owns (OWNED) are filled with Alice's, and every other role must get a 404 for them.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from builders import PASSWORD, publish_default_policy
from consentry.network.accounts import hash_password
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import propagate_now
from consentry.store.engine import utcnow
from consentry.store.social_tables import ConnectionRequest
from consentry.store.tables import Comment, Education, Member, Position, Skill
from consentry.web.csrf import UNSAFE_METHODS
from web.helpers import csrf_from, log_in, make_app

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/signup"),  # opening an account: anyone, limited per address
    ("POST", "/signup"),
    ("POST", "/api/v1/signup"),
    ("POST", "/logout"),
    ("POST", "/api/v1/tokens"),
    ("GET", "/.well-known/gpc.json"),
    ("GET", "/.well-known/jwks.json"),  # receipt-signing public keys
    ("GET", "/api/v1/schemas/receipt"),
    ("GET", "/api/v1/schemas"),  # published JSON Schemas: public documentation
    ("GET", "/api/v1/schemas/{name}"),
    ("GET", "/demo"),  # the demo tour: public on a seeded demo network, 404 elsewhere
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/oauth2-redirect"),
}
ADMIN_PREFIXES = ("/admin", "/api/v1/admin")
# Premium and recruiter AI features gate inside the route (a member without Premium sees
# what it offers, with a 403): signed-in roles may get a 403 there, never a 401 or a leak.
FEATURE_GATED = ("/ai", "/api/v1/ai")
OWNED = {  # filled with Alice's; 404 for anyone else
    "post_id",
    "receipt_id",
    "request_id",
    "comment_id",
    "position_id",
    "education_id",
    "skill_id",
}
# Routes whose {post_id} names a post others may read and act on (Alice's public post):
# reading it, commenting and reacting are open to every member who can see it.
READABLE_BY_OTHERS = {
    ("GET", "/posts/{post_id}"),
    ("POST", "/posts/{post_id}/comments"),
    ("POST", "/posts/{post_id}/reaction"),
    ("GET", "/api/v1/posts/{post_id}/comments"),
    ("POST", "/api/v1/posts/{post_id}/comments"),
    ("PUT", "/api/v1/posts/{post_id}/reaction"),
    ("DELETE", "/api/v1/posts/{post_id}/reaction"),
}
# A recruiter's own job postings: on a recruiter route, {job_id} is Rita's, and Rex, the
# other recruiter, gets a 404 for it as for a posting that does not exist (members and
# operators are refused the route itself with a 403). On member routes (the posting's
# page, applying) any member may use it.
RECRUITER_OWNED = {"job_id"}
RECRUITERS = ("rita", "rex")
ROLES = ("anonymous", "alice", "bob", "rita", "rex", "olga")
# Valid bodies for routes on owned items, so the ownership check itself is exercised.
BODIES = {
    ("POST", "/settings/ai/posts/{post_id}"): {"data": {"no_ai_training": "1"}},
    ("PUT", "/api/v1/posts/{post_id}/usage"): {"json": {"no_ai_training": True}},
    ("POST", "/posts/{post_id}/usage"): {"data": {"no_ai_training": "1"}},
    ("POST", "/comments/{comment_id}/usage"): {"data": {"no_ai_training": "1"}},
    ("PATCH", "/api/v1/posts/{post_id}"): {"json": {"text": "Taken over"}},
    ("PATCH", "/api/v1/comments/{comment_id}"): {"json": {"text": "Taken over"}},
    ("PUT", "/api/v1/comments/{comment_id}/usage"): {"json": {"no_ai_training": True}},
    ("PATCH", "/api/v1/me/positions/{position_id}"): {"json": {"title": "Taken over"}},
    ("PATCH", "/api/v1/me/education/{education_id}"): {"json": {"school": "Taken over"}},
    ("PATCH", "/api/v1/me/skills/{skill_id}"): {"json": {"name": "Taken over"}},
    ("POST", "/api/v1/posts/{post_id}/comments"): {"json": {"text": "A reply"}},
    ("PUT", "/api/v1/posts/{post_id}/reaction"): {"json": {"kind": "like"}},
    ("POST", "/jobs/{job_id}/edit"): {"data": {"title": "Taken over", "company": "Globex"}},
    ("PATCH", "/api/v1/jobs/{job_id}"): {"json": {"title": "Taken over"}},
}


def _calls(dependant, out: set[str]) -> set[str]:
    for sub in dependant.dependencies:
        out.add(getattr(sub.call, "__name__", ""))
        _calls(sub, out)
    return out


def routes(app) -> list[tuple[str, str, set[str]]]:
    """(method, path, dependency names) for every HTTP route of the app (HEAD aside)."""
    found = []
    for route in iter_route_contexts(app.routes):
        if not route.methods:  # the /static mount: files, public by design
            continue
        dependant = getattr(route, "dependant", None)
        calls = _calls(dependant, set()) if dependant is not None else set()
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path, calls))
    return found


def kind_of(method: str, path: str, calls: set[str]) -> str:
    if (method, path) in PUBLIC:
        return "public"
    if "current_operator" in calls:
        return "admin"
    if "current_recruiter" in calls:
        return "recruiter"
    return "member"


@pytest.fixture
def app(sqlite_engine, network, tmp_path):
    """The app with the log-in throttle out of the way: the matrix sends wrong passwords
    to every route that checks one, and who gets in must not depend on the order it
    visits them (throttling has its own tests in test_auth)."""
    unlimited = 10**6
    return make_app(
        sqlite_engine,
        tmp_path / "data",
        login_max_failures=unlimited,
        login_address_max_failures=unlimited,
        login_account_max_failures=unlimited,
        login_backoff_s=0,
    )


@pytest.fixture
def world(app, sqlite_engine, network):
    """Alice has a receipt (a withdrawal propagated); Olga is an operator."""
    settings = app.state.settings
    publish_default_policy(sqlite_engine, settings)
    now = utcnow()
    with sqlite_engine.begin() as conn:
        olga = conn.execute(
            insert(Member).values(
                handle="olga",
                first_name="Olga",
                last_name="Ops",
                display_name="Olga Ops",
                email="olga@example.test",
                password_hash=hash_password(PASSWORD),
                region="DE",
                birth_date=date(1985, 5, 5),
                role="admin",
                premium=False,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        # Rex: a second recruiter, with no postings of his own.
        conn.execute(
            insert(Member).values(
                handle="rex",
                first_name="Rex",
                last_name="Hunter",
                display_name="Rex Hunter",
                email=network.email("rex"),
                password_hash=hash_password(PASSWORD),
                region="GB",
                birth_date=date(1980, 3, 3),
                role="recruiter",
                premium=False,
                created_at=now,
                updated_at=now,
            )
        )
    alice = network.members["alice"]
    with sqlite_engine.begin() as conn:
        # Carol's invitation to Alice: Alice's to answer (and no one else's to touch).
        request_id = conn.execute(
            insert(ConnectionRequest).values(
                sender_id=network.members["carol"],
                recipient_id=alice,
                note="Carol's private note",
                status="pending",
                created_at=now,
            )
        ).inserted_primary_key[0]
    with sqlite_engine.begin() as conn:
        # Alice's own comment on her own post: no one else may edit or delete it.
        comment_id = conn.execute(
            insert(Comment).values(
                post_id=network.posts["alice_public"],
                member_id=alice,
                text="Alice's own comment",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        position_id, education_id, skill_id = (
            conn.execute(select(table.id).where(table.member_id == alice)).scalars().first()
            for table in (Position, Education, Skill)
        )
    done = withdraw(sqlite_engine, settings, alice, "train-ai", source="settings", actor="test")
    outcome = propagate_now(sqlite_engine, settings, done.job_id)
    assert outcome is not None and outcome.receipt_id
    return {
        "olga": olga,
        "receipt_id": outcome.receipt_id,
        "samples": {
            "handle": "bob",
            "name": "manifest",
            "job_id": str(network.jobs["python"]),
            "dataset_id": "no-such-dataset",
            "model_id": "no-such-model",
            "purpose": "train-genai",
            "post_id": str(network.posts["alice_public"]),
            "receipt_id": outcome.receipt_id,
            "request_id": str(request_id),
            "comment_id": str(comment_id),
            "position_id": str(position_id),
            "education_id": str(education_id),
            "skill_id": str(skill_id),
            # Nobody's: proves the route is signed-in only; owner checks live in its tests.
            "conversation_id": "no-such-conversation",
            # Nobody's session or API token: ending one is signed-in only and answers
            # 404 for an id that is not the caller's (tests/web/test_sessions.py).
            "session": "0" * 16,
            "token": "0" * 16,
        },
    }


def client_for(app, role: str, network) -> tuple[TestClient, str]:
    """A browser for `role` (signed in unless anonymous) and its CSRF token."""
    client = TestClient(app)
    if role != "anonymous":
        email = "olga@example.test" if role == "olga" else network.email(role)
        assert log_in(client, email).status_code == 303
    return client, csrf_from(client.get("/login" if role == "anonymous" else "/feed").text)


def fill(path: str, samples: dict[str, str]) -> str:
    for name in [p.strip("{}").split(":")[0] for p in path.split("/") if "{" in p]:
        name = name.split("}")[0]
        assert name in samples, f"{path}: add a sample value for {{{name}}} to the matrix"
        path = path.replace("{" + name + "}", samples[name])
    return path


def test_every_admin_route_follows_the_convention(app):
    for method, path, calls in routes(app):
        under_admin = path.startswith(ADMIN_PREFIXES)
        assert under_admin == ("current_operator" in calls), (method, path)


def test_matrix_every_route_every_role(app, network, world):
    alice_email = network.email("alice")
    table = routes(app)
    assert len(table) >= 60
    # /logout ends the session: each role meets it last.
    table.sort(key=lambda r: r[1] == "/logout")
    seen_kinds = set()
    for role in ROLES:
        client, token = client_for(app, role, network)
        for method, template, calls in table:
            kind = kind_of(method, template, calls)
            seen_kinds.add(kind)
            path = fill(template, world["samples"])
            headers = {"X-CSRF-Token": token} if method in UNSAFE_METHODS else {}
            body_args = BODIES.get((method, template), {})
            response = client.request(
                method, path, headers=headers, follow_redirects=False, **body_args
            )
            where = (role, method, template, response.status_code)
            assert response.status_code < 500, where
            body = response.text
            if kind == "public":
                assert response.status_code != 403, where
                continue
            if role == "anonymous":
                if path.startswith("/api/"):
                    assert response.status_code == 401, where
                else:
                    assert response.status_code == 303, where
                    assert response.headers["location"].startswith("/login?next="), where
                continue
            allowed = (
                kind == "member"
                or (kind == "admin" and role == "olga")
                or (kind == "recruiter" and role in RECRUITERS)
            )
            if not allowed:
                assert response.status_code == 403, where
                assert alice_email not in body and world["receipt_id"] not in body, where
                continue
            gated = path.startswith(FEATURE_GATED)
            assert response.status_code != 401, where
            assert gated or response.status_code != 403, where
            owned = {name for name in OWNED if "{" + name + "}" in template}
            if owned and role != "alice" and (method, template) not in READABLE_BY_OTHERS:
                assert response.status_code == 404, where
            recruiter_owned = any("{" + name + "}" in template for name in RECRUITER_OWNED)
            if kind == "recruiter" and recruiter_owned and role != "rita":
                assert response.status_code == 404, where
            if role in ("bob", "rita", "rex"):
                # Nothing of Alice's private data reaches another member, errors included.
                assert alice_email not in body, where
                assert world["receipt_id"] not in body, where
        client.close()
    assert {"public", "member", "admin"} <= seen_kinds


def test_another_members_receipt_and_post_answer_like_missing_ones(app, network, world):
    client, token = client_for(app, "bob", network)
    receipt = world["receipt_id"]
    for path in (f"/your-data/receipts/{receipt}.json", f"/api/v1/me/receipts/{receipt}"):
        theirs = client.get(path)
        missing = client.get(path.replace(receipt, "rcpt-00000000T000000-deadbeef"))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.text.replace(receipt, "X") == missing.text.replace(
            "rcpt-00000000T000000-deadbeef", "X"
        )
    post = network.posts["alice_public"]
    theirs = client.put(
        f"/api/v1/posts/{post}/usage",
        json={"no_ai_training": True},
        headers={"X-CSRF-Token": token},
    )
    assert theirs.status_code == 404 and "Alice" not in theirs.text
    alice, _ = client_for(app, "alice", network)
    assert (
        alice.get(f"/your-data/receipts/{receipt}.json").json()["member_id"]
        == (network.members["alice"])
    )
