"""A new member's first day and a recruiter's, walked in Debian's chromium over a small
seeded network: sign up and make the AI choices, complete the profile (a position that
started in a year, no month), invite a demo member who accepts, exchange messages,
comment on a post and react to it, apply to a job; a recruiter posts a job and finds the
new member among its applicants.

Every step is a screenshot (in $CONSENTRY_SCREENSHOTS, else the test's temporary folder;
the paths are printed) and an axe-core check of the page as that member sees it: no
serious or critical WCAG 2 A/AA violation. The walked pages keep their
Content-Security-Policy, and no console error or failed load may happen on them.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Any

import pytest

from builders import LENA, RAVI, sealed_engine, seed_network, settings_for
from consentry.web.app import create_app
from web.browser_support import (
    VIEWPORT,
    AccessibilityLog,
    PageErrors,
    Screenshots,
    axe_context,
    chromium,
    served,
)

# One chromium and one network for both walks, on one test process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-walk")]

SAM = {
    "email": "sam.okafor@example.test",
    "password": "four quiet lanterns by the harbour",
    "first_name": "Sam",
    "last_name": "Okafor",
    "birth_date": "1994-06-12",
    "region": "DE",
}
SAM_NAME = f"{SAM['first_name']} {SAM['last_name']}"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def live(tmp_path_factory, sqlite_template):
    """The app on 127.0.0.1 over a fresh data folder with a small seeded network and
    its demo accounts; yields the base URL."""
    folder = tmp_path_factory.mktemp("walk")
    shutil.copyfile(sqlite_template, folder / "consentry.db")
    engine = sealed_engine(f"sqlite:///{folder / 'consentry.db'}", folder / "data")
    settings = settings_for(engine, folder / "data")
    seed_network(engine, settings, members=60)
    with served(create_app(settings, engine)) as base:
        yield base
    engine.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Screenshots:
    return Screenshots(tmp_path_factory.mktemp("walk-screenshots"))


class Walker:
    """One person's browser context, the CSP in force. `step(name)` takes a screenshot
    and has axe check the current page as this person sees it, in a second context
    (with the CSP bypassed, so axe can be injected) holding the same cookies."""

    def __init__(self, browser: Any, base: str, who: str, shots: Screenshots, state=None):
        self.base, self.who, self.shots = base, who, shots
        self.context = browser.new_context(viewport=VIEWPORT, storage_state=state)
        self.errors = PageErrors()
        self.page = self.errors.watch(self.context.new_page())
        self.axe = axe_context(browser)
        self.axe_page = self.axe.new_page()
        self.a11y = AccessibilityLog()

    def go(self, path: str) -> Any:
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status < 400, f"{path}: {response.status}"
        return self.page

    def step(self, name: str) -> None:
        self.shots.take(self.page, f"{self.who}-{name}")
        self.axe.clear_cookies()
        self.axe.add_cookies(self.context.cookies())
        self.axe_page.goto(self.page.url)
        path = self.page.url.removeprefix(self.base)
        self.a11y.check(self.axe_page, f"{self.who} at {path} ({name})")

    def log_in(self, email: str, password: str = "consentry-demo") -> None:
        self.go("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(re.compile(r".*/feed$"))

    def close(self) -> None:
        self.axe.close()
        self.context.close()
        assert not self.errors, self.errors
        self.a11y.assert_clean()


@dataclass
class Newcomer:
    handle: str
    state: dict[str, Any]


@pytest.fixture(scope="module")
def newcomer(browser, live, shots) -> Newcomer:
    """Sam signs up through the pages and makes the AI choices; their signed-in state."""
    sam = Walker(browser, live, "sam", shots)
    page = sam.go("/signup")
    sam.step("signup")
    for field in ("email", "password"):
        page.get_by_label(field.capitalize(), exact=True).fill(SAM[field])
    page.get_by_label("First name").fill(SAM["first_name"])
    page.get_by_label("Last name").fill(SAM["last_name"])
    page.get_by_label("Birth date").fill(SAM["birth_date"])
    page.get_by_label("Where you live").fill(SAM["region"])
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r".*/signup/choices$"))
    sam.step("choices")
    # In Germany every purpose starts off; Sam allows the first one they may choose.
    boxes = page.locator("form[action='/signup/choices'] input[type=checkbox]")
    assert boxes.count() >= 1
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    allowed = boxes.first.get_attribute("value")
    refused = [boxes.nth(i).get_attribute("value") for i in range(1, boxes.count())]
    boxes.first.check()
    page.get_by_role("button", name="Save my choices and continue").click()
    page.wait_for_url(lambda url: "/signup" not in url)
    sam.step("after-choices")
    sam.go("/settings/ai")
    assert page.locator(f"#state-{allowed}").inner_text() == "On"
    assert all(page.locator(f"#state-{key}").inner_text() == "Off" for key in refused)
    sam.step("data-for-ai")
    sam.go("/profile")
    profile = page.locator("main").inner_text()
    assert SAM_NAME in profile
    handle = re.search(r"@(\S+)", profile)
    assert handle, profile
    state = sam.context.storage_state()
    sam.close()
    return Newcomer(handle.group(1), state)


def test_a_new_members_first_day(browser, live, shots, newcomer):
    sam = Walker(browser, live, "sam", shots, newcomer.state)
    lena = Walker(browser, live, "lena", shots)
    page = sam.page

    # Profile: a headline, a position that started in 2019 (no month), a skill.
    sam.go("/profile/edit")
    sam.step("profile-edit")
    page.get_by_label("Headline").fill("Data analyst learning machine learning")
    page.locator("#about-you").get_by_role("button", name="Save").click()
    assert "Your changes are saved" in page.get_by_role("status").first.inner_text()
    position = page.locator("form[action='/profile/positions']")
    position.get_by_label("Job title").fill("Data Analyst")
    position.get_by_label("Company").fill("Rhein Logistics")
    position.get_by_label("Started").fill("2019")
    position.get_by_label("I work here now").check()
    position.get_by_role("button", name="Add position").click()
    page.get_by_label("Add a skill").fill("SQL")
    page.get_by_role("button", name="Add skill").click()
    sam.step("profile-edited")
    sam.go("/profile")
    profile = page.locator("main").inner_text()
    assert "Data analyst learning machine learning" in profile
    assert "Data Analyst" in profile and "Rhein Logistics" in profile and "SQL" in profile
    assert "2019 – present" in profile and "Jan 2019" not in profile
    sam.step("profile")

    # Connect: Sam invites Lena, who accepts in her own browser.
    sam.go(f"/members/{LENA.handle}")
    sam.step("lena-profile")
    page.get_by_label("Add a note (optional)").fill("We met at the data meetup in Köln.")
    page.get_by_role("button", name=re.compile(r"^Connect")).click()
    assert page.get_by_text("Invitation sent").first.is_visible()
    sam.step("invited")
    lena.log_in(LENA.email)
    lena.go("/connections")
    received = lena.page.locator("section[aria-labelledby='received-heading']")
    assert SAM_NAME in received.inner_text()
    assert "data meetup" in received.inner_text()
    lena.step("invitation")
    received.get_by_role("button", name=f"Accept {SAM_NAME}").click()
    assert "You are now connected." in lena.page.locator("main").inner_text()
    lena.step("connected")

    # Messages, both ways; Sam sees the reply as unread first.
    sam.go(f"/messages/{LENA.handle}")
    page.get_by_label(re.compile(r"^Message to")).fill("Thanks for connecting, Lena!")
    page.get_by_role("button", name="Send").click()
    assert "Thanks for connecting, Lena!" in page.locator("main").inner_text()
    sam.step("message-sent")
    lena.go("/messages")
    assert SAM_NAME in lena.page.locator("main").inner_text()
    lena.step("messages")
    lena.go(f"/messages/{newcomer.handle}")
    lena.page.get_by_label(re.compile(r"^Message to")).fill("Welcome, Sam. Happy to help.")
    lena.page.get_by_role("button", name="Send").click()
    lena.step("reply-sent")
    sam.go("/messages")
    main_nav = page.get_by_role("navigation", name="Main")
    assert main_nav.get_by_role("link", name="Messages (1 unread)").is_visible()
    thread = page.locator("main").get_by_role(
        "link", name=re.compile(f"^{LENA.first_name} {LENA.last_name}")
    )
    assert "1 unread" in thread.inner_text()
    sam.step("messages-unread")
    thread.click()
    assert "Welcome, Sam. Happy to help." in page.locator("main").inner_text()
    assert main_nav.get_by_role("link", name="Messages", exact=True).is_visible()
    sam.step("thread")

    # A comment and a reaction on one of Lena's posts.
    sam.go(f"/members/{LENA.handle}")
    post = page.locator("main a[href^='/posts/']").first.get_attribute("href")
    assert post, "Lena's profile links to none of her posts"
    sam.go(post)
    page.get_by_label("Your comment").fill("Useful, thank you for writing this up.")
    page.get_by_role("button", name="Comment", exact=True).click()
    comments = page.locator("#comments")
    assert "Useful, thank you for writing this up." in comments.inner_text()
    page.locator("#reactions").get_by_role("button", name=re.compile(r"^Insightful")).click()
    assert (
        page.locator("#reactions button[aria-pressed='true']").inner_text().startswith("Insightful")
    )
    sam.step("post-commented")

    # Apply to a job with the profile.
    sam.go("/jobs")
    sam.step("jobs")
    job = _first_job(page)
    sam.go(job)
    sam.step("job")
    page.get_by_label("A note for the recruiter (optional)").fill("I use SQL every day.")
    page.get_by_role("button", name="Apply", exact=True).click()
    assert "applied" in page.locator("#application").inner_text().lower()
    sam.step("applied")
    sam.go("/jobs/applied")
    sam.step("jobs-applied")
    sam.go("/notifications")
    sam.step("notifications")

    lena.close()
    sam.close()


def _first_job(page) -> str:
    hrefs = page.eval_on_selector_all("main a[href^='/jobs/']", "a => a.map(e => e.href)")
    for href in hrefs:
        found = re.search(r"/jobs/\d+$", href)
        if found:
            return found.group(0)
    raise AssertionError(f"no job on {page.url}")


def test_a_recruiter_posts_a_job_and_sees_the_new_applicant(browser, live, shots, newcomer):
    ravi = Walker(browser, live, "ravi", shots)
    ravi.log_in(RAVI.email)
    page = ravi.go("/jobs/new")
    ravi.step("job-new")
    page.get_by_label("Job title").fill("Junior Data Engineer")
    page.get_by_label("Company").fill("Globex")
    page.get_by_label("Location").fill("Berlin")
    page.get_by_label("Description").fill("Build and run our data pipelines with the team.")
    page.get_by_label("Skills").fill("SQL, Python")
    page.get_by_role("button", name="Publish the posting").click()
    page.wait_for_url(re.compile(r".*/jobs/\d+(\?.*)?$"))
    job = re.search(r"/jobs/\d+", page.url)
    assert job and "Junior Data Engineer" in page.locator("h1").inner_text()
    ravi.step("job-posted")

    sam = Walker(browser, live, "sam", shots, newcomer.state)
    sam.go(job.group(0))
    sam.page.get_by_role("button", name="Apply", exact=True).click()
    assert "applied" in sam.page.locator("#application").inner_text().lower()
    sam.step("applied-to-the-new-job")
    sam.close()

    ravi.go(f"{job.group(0)}/applicants")
    assert SAM_NAME in page.locator("main").inner_text()
    ravi.step("applicants")
    ravi.go("/jobs/posted")
    ravi.step("jobs-posted")
    ravi.go("/notifications")
    assert SAM_NAME in page.locator("main").inner_text()
    ravi.step("notifications")
    ravi.close()
