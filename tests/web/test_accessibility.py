"""Accessibility of the main pages, checked by axe-core in Debian's chromium: no serious
or critical violation of the WCAG 2 A/AA rules on any page a visitor, a member, a
recruiter or an operator sees, in the states they see it in (a form error, a draft, a
refusal, a verified ledger).

The pages are served for real over a trained network (every AI page has something to
show). See browser_support for how chromium and axe-core are found and injected.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from sqlalchemy import insert

from builders import LENA, MAYA, OPS, RAVI, build_trained_world, sealed_engine
from consentry.network.accounts import hash_password
from consentry.store.engine import utcnow
from consentry.store.tables import Member
from consentry.web.app import create_app
from web.browser_support import AccessibilityLog, axe_context, chromium, served

# One chromium and one trained network for the module, on one test process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-accessibility")]

LEAVER = {"email": "leaver@example.test", "password": "a leaving member's password"}


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template):
    """The app on 127.0.0.1 over a trained network, with one more member who will erase
    their account; yields the base URL."""
    folder = tmp_path_factory.mktemp("a11y")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    world = build_trained_world(engine, folder / "data")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Member).values(
                handle="leaver",
                first_name="Lee",
                last_name="Ver",
                display_name="Lee Ver",
                email=LEAVER["email"],
                password_hash=hash_password(LEAVER["password"]),
                region="FR",
                birth_date=date(1985, 3, 3),
                role="member",
                premium=False,
                created_at=now,
                updated_at=now,
            )
        )
    with served(create_app(world.settings, engine)) as base:
        yield base
    engine.dispose()


@pytest.fixture
def visit(browser, live):
    """(page, log): a page of a fresh context where axe may run, and the log of what it
    found; the test fails at the end if any checked page had a serious violation."""
    context = axe_context(browser)
    tab = context.new_page()
    log = AccessibilityLog()
    yield tab, log
    context.close()
    log.assert_clean()


def log_in(page, base: str, email: str, password: str = "consentry-demo") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/feed$"))


def check_paths(page, log: AccessibilityLog, base: str, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status < 400, f"{path}: {response}"
        log.check(page, path)


def first_href(page, selector: str, pattern: str = r".+") -> str:
    """The first link matching `selector` whose href matches `pattern`."""
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        if re.fullmatch(pattern, href):
            return href
    raise AssertionError(f"no link matches {selector} {pattern} on {page.url}")


def test_pages_before_logging_in(visit, live):
    page, log = visit
    check_paths(page, log, live, ["/login", "/demo", "/signup"])
    page.goto(f"{live}/signup")
    page.get_by_label("Email").fill("too-young@example.test")
    page.get_by_label("Password", exact=True).fill("a long enough pass phrase")
    page.get_by_label("First name").fill("Tim")
    page.get_by_label("Last name").fill("Young")
    page.get_by_label("Birth date").fill("2020-01-01")
    page.get_by_label("Where you live").fill("DE")
    page.get_by_role("button", name="Create my account").click()
    assert page.get_by_role("alert").is_visible()
    log.check(page, "/signup refused (too young)")
    page.goto(f"{live}/login")
    page.get_by_label("Email").fill(LENA.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    log.check(page, "/login with a wrong password")
    page.goto(f"{live}/jobs/999999")
    log.check(page, "/jobs/999999 (not found)")


def test_member_pages(visit, live):
    page, log = visit
    log_in(page, live, LENA.email)
    check_paths(
        page,
        log,
        live,
        [
            "/feed",
            "/profile",
            "/jobs",
            "/settings/ai",
            "/your-data",
            "/notices",
            "/account/security",
            "/account/export",
            "/account/import",
            "/account/erase",
            "/ai",
            "/ai/profile-assistant",
            "/ai/chat",
            "/connections",
            "/messages",
            "/notifications",
            "/jobs/applied",
            "/account",
            "/profile/edit",
            "/search?q=data",
            "/search?q=data&type=posts",
            "/search?q=data&type=jobs",
        ],
    )
    page.goto(f"{live}/messages")
    check_paths(page, log, live, [first_href(page, "main a[href^='/messages/']")])
    page.goto(f"{live}/feed")
    check_paths(page, log, live, [first_href(page, "main a[href^='/members/']")])
    page.goto(f"{live}/feed")
    check_paths(
        page, log, live, [first_href(page, "main a[href^='/posts/']", r"/posts/\d+#comments")]
    )
    page.goto(f"{live}/profile")
    check_paths(
        page, log, live, [first_href(page, "main a[href^='/posts/']", r"/posts/\d+#comments")]
    )
    page.goto(f"{live}/account")
    page.get_by_label("New region").fill("FR")
    page.get_by_role("button", name="See what changes").click()
    log.check(page, "/account: what changes with a new region")
    page.goto(f"{live}/jobs")
    check_paths(page, log, live, [first_href(page, "main a[href^='/jobs/']", r"/jobs/\d+")])

    page.goto(f"{live}/ai/profile-assistant")
    page.get_by_role("button", name="Suggest a headline and about section").click()
    assert page.locator("#draft-headline").inner_text().strip()
    log.check(page, "/ai/profile-assistant with a draft")
    page.goto(f"{live}/ai/chat")
    page.get_by_label("Your message").fill("find jobs for me")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r".*/ai/chat#turn-\d+$"))
    log.check(page, "/ai/chat with an answer")
    page.goto(f"{live}/account/erase")
    page.get_by_label("To confirm, type your password").fill("not the password")
    page.get_by_role("button", name="Erase my account for good").click()
    assert page.get_by_role("alert").is_visible()
    log.check(page, "/account/erase with a wrong password")

    page.get_by_role("button", name="Log out").click()
    log_in(page, live, MAYA.email)
    check_paths(page, log, live, ["/settings/ai", "/ai", "/ai/chat"])


def test_erased_account_page(visit, live):
    page, log = visit
    log_in(page, live, LEAVER["email"], LEAVER["password"])
    page.goto(f"{live}/account/erase")
    page.get_by_label("To confirm, type your password").fill(LEAVER["password"])
    page.get_by_role("button", name="Erase my account for good").click()
    assert "erased" in page.locator("h1").inner_text().lower()
    log.check(page, "the page after erasing an account")


def test_recruiter_pages(visit, live):
    page, log = visit
    log_in(page, live, RAVI.email)
    check_paths(
        page,
        log,
        live,
        ["/feed", "/jobs", "/jobs/new", "/jobs/posted", "/ai", "/ai/job-post", "/ai/outreach"],
    )
    page.goto(f"{live}/jobs/posted")
    applicants = first_href(page, "main a[href$='/applicants']")
    check_paths(page, log, live, [applicants, applicants.replace("/applicants", "/edit")])
    page.goto(f"{live}/ai/job-post")
    page.get_by_label("Job title").fill("Data Engineer")
    page.get_by_label("Company").fill("Globex")
    page.get_by_label("Location").fill("Berlin")
    page.get_by_label("Skills").fill("Python, SQL, Airflow")
    page.get_by_role("button", name="Write the posting").click()
    assert page.locator("#draft-posting").inner_text().strip()
    log.check(page, "/ai/job-post with a draft")
    page.goto(f"{live}/ai/outreach")
    page.get_by_label("Candidate's handle").fill(MAYA.handle)
    page.get_by_role("button", name="Draft a message").click()
    assert page.get_by_role("alert").is_visible()
    log.check(page, "/ai/outreach refused")
    page.get_by_label("Candidate's handle").fill(LENA.handle)
    page.get_by_role("button", name="Draft a message").click()
    assert page.locator("#draft-outreach").inner_text().strip()
    log.check(page, "/ai/outreach with a draft")


def test_operator_pages(visit, live):
    page, log = visit
    log_in(page, live, OPS.email)
    check_paths(
        page,
        log,
        live,
        [
            "/admin",
            "/admin/datasets",
            "/admin/models",
            "/admin/propagation",
            "/admin/ledger",
            "/admin/consent-rates",
        ],
    )
    page.goto(f"{live}/admin/models")
    check_paths(page, log, live, [first_href(page, "table.data-table tbody th a")])
    page.goto(f"{live}/admin/datasets")
    check_paths(page, log, live, [first_href(page, "table.data-table tbody th a")])
    # An audit reads the whole dataset: on a busy machine it takes a while.
    page.get_by_role("button", name="Run an audit").click(timeout=120_000)
    assert "No violations." in page.locator(".result").inner_text()
    log.check(page, "a dataset after an audit")
    page.goto(f"{live}/admin/ledger")
    page.get_by_role("button", name="Verify the ledger now").click()
    assert "The ledger verifies" in page.locator("main").inner_text()
    log.check(page, "/admin/ledger verified")


def test_member_pages_on_a_phone(browser, live):
    """The same rules on a phone-sized screen, where the header wraps and targets crowd."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, bypass_csp=True, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    log = AccessibilityLog()
    log_in(page, live, LENA.email)
    check_paths(
        page,
        log,
        live,
        [
            "/feed",
            "/profile",
            "/profile/edit",
            "/connections",
            "/messages",
            "/jobs",
            "/settings/ai",
        ],
    )
    context.close()
    log.assert_clean()
