"""Real-browser tests: Debian's chromium, driven by Playwright, against the app served by
uvicorn on 127.0.0.1 over a generated, trained network.

The end-to-end journey of a member in Germany: log in, turn "Ranking and matching AI"
off, watch on "Your data and AI" the propagation take their data out of the dataset and a
signed receipt arrive; export an archive and import it into a new account. Then every
main page, as each demo account, with screenshots under test-output/screenshots/ and no
console error (a Content-Security-Policy violation would be one).

Chromium is never downloaded: these tests use the system's /usr/bin/chromium (or
$CONSENTRY_CHROMIUM). Without it they fail under CI=true and are skipped elsewhere (see
browser_support).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert

from builders import LENA, MAYA, OPS, RAVI, build_trained_world, sealed_engine
from consentry.keys import Keyring
from consentry.network.accounts import hash_password
from consentry.rights.receipt_signing import verify_on_server
from consentry.rights.worker import background_worker
from consentry.store.engine import utcnow
from consentry.store.tables import Member
from consentry.web.app import create_app
from web.browser_support import MODEL_TIMEOUT_MS, VIEWPORT, PageErrors, chromium, served

# One chromium and one trained network for the module, on one test process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-journey")]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
NEWCOMER = {"email": "newcomer@example.test", "password": "a new member's own password"}


@pytest.fixture(scope="module")
def browser():
    with chromium(axe=False) as launched:
        yield launched


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template):
    """The app, served for real on 127.0.0.1, over a trained network with a newcomer's
    empty account; yields (base URL, world)."""
    folder = tmp_path_factory.mktemp("live")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    world = build_trained_world(engine, folder / "data")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Member).values(
                handle="newcomer",
                first_name="New",
                last_name="Comer",
                display_name="New Comer",
                email=NEWCOMER["email"],
                password_hash=hash_password(NEWCOMER["password"]),
                region="DE",
                birth_date=date(1990, 5, 5),
                role="member",
                premium=False,
                created_at=now,
                updated_at=now,
            )
        )
    # As under `consentry serve`: a propagation worker beside the server.
    with (
        served(create_app(world.settings, engine)) as base,
        background_worker(engine, world.settings),
    ):
        yield base, world
    engine.dispose()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page; console errors and failed
    stylesheet, script or image loads are collected and must stay none."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(MODEL_TIMEOUT_MS)
    errors = PageErrors()
    tab = errors.watch(context.new_page())
    tab.errors = errors
    yield tab
    context.close()
    assert not errors, errors


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, email: str, password: str = "consentry-demo") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/feed$"))


def section_text(page, heading_id: str) -> str:
    return page.locator(f"section[aria-labelledby='{heading_id}']").inner_text()


def test_withdraw_then_export_and_import_into_a_new_account(page, live, tmp_path):
    base, world = live
    dataset = world.datasets["train-ai"]
    page.goto(f"{base}/login")
    shot(page, "01-login")
    log_in(page, base, LENA.email)
    shot(page, "02-feed")

    page.goto(f"{base}/your-data")
    assert (
        dataset in section_text(page, "datasets-heading").split("Datasets that held it before")[0]
    )
    assert "No receipts yet" in section_text(page, "receipts-heading")

    page.goto(f"{base}/settings/ai")
    shot(page, "03-settings-data-for-ai")
    card = page.locator("section[aria-labelledby='purpose-train-ai']")
    assert card.locator("#state-train-ai").inner_text() == "On"
    card.get_by_role("button", name="Turn off").click()
    page.wait_for_url(re.compile(r".*changed=train-ai"))
    assert page.locator("#state-train-ai").inner_text() == "Off"
    assert "is now off" in page.locator("#changed").inner_text()

    # Propagation runs right after the response; the page shows it when it is done.
    deadline = time.monotonic() + 60
    while True:
        page.goto(f"{base}/your-data")
        receipts = section_text(page, "receipts-heading")
        if "No receipts yet" not in receipts:
            break
        assert time.monotonic() < deadline, section_text(page, "pending-heading")
        time.sleep(0.5)
    shot(page, "04-your-data-and-ai")
    assert "None. Every change you made has reached" in section_text(page, "pending-heading")
    now, before = section_text(page, "datasets-heading").split("Datasets that held it before")
    assert dataset not in now and dataset in before
    assert "withdrawal of “train-ai”" in receipts

    with page.expect_download() as receipt_download:
        page.locator("section[aria-labelledby='receipts-heading'] a[download]").first.click()
    document = json.loads(Path(receipt_download.value.path()).read_text())
    assert verify_on_server(document, Keyring.load(world.settings)).ok
    assert document["member_id"] == world.member_id(LENA.email)

    page.goto(f"{base}/account/export")
    shot(page, "05-export")
    with page.expect_download() as export_download:
        page.get_by_role("button", name="Download my data (.zip)").click()
    archive = tmp_path / "lena-export.zip"
    export_download.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert "Profile.csv" in names and "Positions.csv" in names
        positions = z.read("Positions.csv").decode("utf-8-sig")
    first_title = positions.splitlines()[1].split(",")[2].strip('"')

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, NEWCOMER["email"], NEWCOMER["password"])
    page.goto(f"{base}/account/import")
    page.get_by_label("LinkedIn export (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/account/import$"))
    assert "What was imported" in page.locator("h1").inner_text()
    shot(page, "06-import-report")
    page.goto(f"{base}/profile")
    shot(page, "07-imported-profile")
    assert first_title in page.locator("main").inner_text()


def test_main_pages_as_each_demo_account(page, live):
    base, _ = live
    page.goto(f"{base}/login")
    page.get_by_role("link", name="See who to log in as, and what to try").click()
    assert page.locator("main").get_by_text(RAVI.email).is_visible()
    shot(page, "00-demo-tour")
    log_in(page, base, LENA.email)
    page.goto(f"{base}/ai")
    shot(page, "10-ai-features-premium")
    page.goto(f"{base}/ai/profile-assistant")
    page.get_by_role("button", name="Suggest a headline and about section").click()
    assert page.locator("#draft-headline").inner_text().strip()
    shot(page, "11-profile-assistant")
    page.goto(f"{base}/ai/chat")
    for message in ("find jobs for me", "which skills am I missing for the first one?"):
        page.get_by_label("Your message").fill(message)
        page.get_by_role("button", name="Send").click()
        page.wait_for_url(re.compile(r".*/ai/chat#turn-\d+$"))
    links = page.locator(".chat-log .from-assistant a[href^='/jobs/']")
    assert links.count() >= 1
    shot(page, "12-job-chat")
    links.first.click()
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, MAYA.email)
    page.goto(f"{base}/ai/chat")
    assert "Part of Consentry Premium" in page.locator("main").inner_text()
    shot(page, "13-premium-offer")
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, RAVI.email)
    page.goto(f"{base}/ai/job-post")
    page.get_by_label("Job title").fill("Data Engineer")
    page.get_by_label("Company").fill("Globex")
    page.get_by_label("Location").fill("Berlin")
    page.get_by_label("Skills").fill("Python, SQL, Airflow")
    page.get_by_role("button", name="Write the posting").click()
    assert "Experience with Airflow" in page.locator("#draft-posting").inner_text()
    shot(page, "14-job-post-writer")
    page.goto(f"{base}/ai/outreach")
    page.get_by_label("Candidate's handle").fill(MAYA.handle)
    page.get_by_role("button", name="Draft a message").click()
    assert "is not available for recruiter AI" in page.get_by_role("alert").inner_text()
    shot(page, "15-outreach-refused")
    page.get_by_label("Candidate's handle").fill(LENA.handle)
    page.get_by_role("button", name="Draft a message").click()
    assert "Hello Lena Hoffmann" in page.locator("#draft-outreach").inner_text()
    shot(page, "16-outreach-draft")
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, OPS.email)
    page.get_by_role("link", name="Operators").click()
    shot(page, "20-operators")
    page.get_by_role("navigation", name="Operator areas").get_by_role(
        "link", name="Datasets"
    ).click()
    shot(page, "21-datasets")
    page.locator("table.data-table tbody th a").first.click()
    page.get_by_role("button", name="Run an audit").click()
    assert "No violations." in page.locator(".result").inner_text()
    shot(page, "22-dataset-audit")
    page.goto(f"{base}/admin/models")
    shot(page, "23-models")
    page.locator("table.data-table tbody th a").first.click()
    assert "Sub-models" in page.locator("main").inner_text()
    shot(page, "24-model")
    page.goto(f"{base}/admin/propagation")
    shot(page, "25-propagation-queue")
    page.goto(f"{base}/admin/ledger")
    page.get_by_role("button", name="Verify the ledger now").click()
    assert "The ledger verifies" in page.locator("main").inner_text()
    shot(page, "26-ledger-verified")
    page.goto(f"{base}/admin/consent-rates")
    chart = page.get_by_role("img", name="Share of members whose data may be used")
    assert chart.is_visible()
    assert page.locator("#consent-rates-table tbody tr").count() >= 2
    shot(page, "27-consent-rates")
