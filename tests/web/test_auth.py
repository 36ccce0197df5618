"""Log-in, log-out, the session cookie, CSRF and log-in throttling, as a browser sees them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from builders import PASSWORD
from consentry.network.accounts import hash_password
from consentry.store.engine import utcnow
from consentry.store.tables import Member, Post
from consentry.web.csrf import UNSAFE_METHODS
from web.helpers import log_in, make_app, page_csrf


def test_signed_out_pages_redirect_to_login_and_come_back_after(client, network):
    response = client.get("/jobs?q=python", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fjobs%3Fq%3Dpython"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/jobs?q=python"' in page.text
    signed_in = log_in(client, network.email("alice"), next="/jobs?q=python")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/jobs?q=python"


def test_root_sends_visitors_to_login_and_members_to_feed(client, network):
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    log_in(client, network.email("alice"))
    assert client.get("/", follow_redirects=False).headers["location"] == "/feed"
    assert client.get("/login", follow_redirects=False).headers["location"] == "/feed"


def test_login_success_sets_a_locked_down_session_cookie(client, network):
    response = log_in(client, "  ALICE@example.test ")
    assert response.status_code == 303
    assert response.headers["location"] == "/feed"
    cookie = response.headers["set-cookie"].lower()
    assert "consentry_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie
    feed = client.get("/feed")
    assert feed.status_code == 200
    assert "Alice Archer" in feed.text


def test_secure_cookie_flag_when_configured(sqlite_engine, network, tmp_path):
    app = make_app(sqlite_engine, tmp_path / "data", secure_cookies=True)
    with TestClient(app, base_url="https://testserver") as client:
        response = log_in(client, network.email("alice"))
        assert response.status_code == 303
        assert "; secure" in response.headers["set-cookie"].lower()


def test_login_failure_keeps_the_visitor_out(client, network):
    response = log_in(client, network.email("alice"), "wrong password")
    assert response.status_code == 401
    assert "do not match an account" in response.text
    assert 'value="alice@example.test"' in response.text  # the email is kept for a retry
    assert client.get("/feed", follow_redirects=False).status_code == 303
    unknown = log_in(client, "nobody@example.test")
    assert unknown.status_code == 401


def test_deleted_member_cannot_log_in(client, network):
    assert log_in(client, network.email("dave")).status_code == 401


def test_session_ends_when_the_account_is_deleted(client, network, sqlite_engine):
    log_in(client, network.email("alice"))
    assert client.get("/feed").status_code == 200
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Member)
            .where(Member.id == network.members["alice"])
            .values(deleted_at=func.now())
        )
    assert client.get("/feed", follow_redirects=False).status_code == 303


def test_session_ends_when_the_password_changes(client, network, sqlite_engine):
    log_in(client, network.email("alice"))
    with sqlite_engine.begin() as conn:
        conn.execute(
            update(Member)
            .where(Member.id == network.members["alice"])
            .values(password_hash=hash_password("a new password"))
        )
    assert client.get("/feed", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_site(client, network):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = log_in(client, network.email("alice"), next=target)
        assert response.headers["location"] == "/feed", target
        client.cookies.clear()


def test_logout_is_a_post_with_csrf_and_ends_the_session(alice):
    assert alice.get("/logout").status_code == 405
    refused = alice.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert alice.get("/feed").status_code == 200  # still signed in
    token = page_csrf(alice)
    response = alice.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert alice.get("/feed", follow_redirects=False).status_code == 303


def test_login_form_without_csrf_token_is_refused(client, network):
    response = client.post("/login", data={"email": network.email("alice"), "password": PASSWORD})
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "That form could not be accepted" in response.text
    assert client.get("/feed", follow_redirects=False).status_code == 303


def test_post_with_missing_or_forged_csrf_creates_nothing(alice, network, sqlite_engine):
    def count() -> int:
        with sqlite_engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Post))

    before = count()
    assert alice.post("/posts", data={"text": "no token"}).status_code == 403
    forged = alice.post("/posts", data={"text": "forged", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    # A token from another browser session is no good either.
    with TestClient(alice.app) as other:
        other_token = page_csrf(other, "/login")
    stolen = alice.post("/posts", data={"text": "stolen", "csrf_token": other_token})
    assert stolen.status_code == 403
    assert count() == before


def test_csrf_token_changes_when_signing_in(client, network):
    before = page_csrf(client, "/login")
    log_in(client, network.email("alice"))
    assert page_csrf(client) != before


def test_every_state_changing_route_checks_csrf(alice, network):
    """Structural: any unsafe route, including ones added later, refuses a cookie-only
    request without the token (the deliberate exemptions: issuing an API token and
    opening an account through the API, which answer JSON and set no cookie)."""
    checked = []
    for route in iter_route_contexts(alice.app.routes):
        for method in (route.methods or set()) & UNSAFE_METHODS:
            if getattr(route.endpoint, "csrf_exempt", False):
                assert route.path in ("/api/v1/tokens", "/api/v1/signup")
                continue
            path = route.path.replace("{handle}", "bob").replace("{job_id}", "1")
            response = alice.request(method, path, data={"text": "x"}, follow_redirects=False)
            assert response.status_code == 403, (method, path)
            checked.append(path)
    assert {"/login", "/logout", "/posts", "/api/v1/posts"} <= set(checked)


def test_login_is_throttled_after_five_failures(sqlite_engine, network, tmp_path):
    app = make_app(sqlite_engine, tmp_path / "data", login_backoff_s=0)
    with TestClient(app) as client:
        email = network.email("alice")
        for _ in range(5):
            assert log_in(client, email, "guess").status_code == 401
        blocked = log_in(client, email, PASSWORD)  # from this address, even the right one waits
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "Too many failed attempts" in blocked.text
        assert client.get("/feed", follow_redirects=False).status_code == 303
        # Another account from the same address is not affected.
        assert log_in(client, network.email("bob")).status_code == 303
    # The owner, from an address with no failures, still gets in at once.
    with TestClient(app, client=("198.51.100.7", 50000)) as owner:
        assert log_in(owner, email).status_code == 303


def test_repeated_failures_back_off_before_the_limit(client, network):
    email = network.email("alice")
    assert log_in(client, email, "typo one").status_code == 401
    assert log_in(client, email, "typo two").status_code == 401  # two typos cost nothing
    assert log_in(client, email, "a guess").status_code == 401
    waiting = log_in(client, email, PASSWORD)
    assert waiting.status_code == 429 and waiting.headers["retry-after"] == "1"


def test_forty_concurrent_guesses_get_at_most_five_checks(sqlite_engine, network, tmp_path):
    app = make_app(sqlite_engine, tmp_path / "data")
    email = network.email("alice")
    with TestClient(app) as first:
        csrf = page_csrf(first, "/login")
        cookies = dict(first.cookies)

    def guess(i: int) -> int:
        with TestClient(app, cookies=cookies) as c:
            data = {"email": email, "password": f"guess {i}", "csrf_token": csrf}
            return c.post("/login", data=data, follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(guess, range(40)))
    assert codes.count(401) <= 5  # checked against the password, and wrong
    assert set(codes) <= {401, 429} and codes.count(429) >= 35


def test_spraying_many_accounts_from_one_address_is_throttled(client, network, sqlite_engine):
    now = utcnow()
    with sqlite_engine.begin() as conn:
        for i in range(12):
            conn.execute(
                insert(Member).values(
                    handle=f"sprayed{i}",
                    first_name="S",
                    last_name=str(i),
                    display_name=f"S {i}",
                    email=f"sprayed{i}@example.test",
                    password_hash=hash_password(PASSWORD),
                    region="DE",
                    birth_date=date(1990, 1, 1),
                    role="member",
                    premium=False,
                    created_at=now,
                    updated_at=now,
                )
            )
    codes = [
        log_in(client, f"sprayed{i}@example.test", "Winter2026!").status_code for i in range(12)
    ]
    assert codes[:10] == [401] * 10  # the address's budget: ten failures over all accounts
    assert codes[10:] == [429, 429]


def test_pages_are_accessible_by_construction(client, network):
    login = client.get("/login").text
    assert '<html lang="en">' in login
    assert 'class="skip-link" href="#main"' in login and 'id="main"' in login
    assert '<label for="email">' in login and 'id="email"' in login
    assert '<label for="password">' in login and 'id="password"' in login
    log_in(client, network.email("alice"))
    feed = client.get("/feed").text
    for field in ("post-text", "post-visibility", "post-no-ai"):
        assert f'<label for="{field}">' in feed and f'id="{field}"' in feed
    css = client.get("/static/style.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
