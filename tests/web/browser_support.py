"""What the real-browser tests share: Debian's chromium driven by Playwright, the app
served by uvicorn on 127.0.0.1, screenshots, and accessibility checks with axe-core.

Chromium is never downloaded: the tests use the system's /usr/bin/chromium (or
$CONSENTRY_CHROMIUM). axe-core comes from the npm registry, pinned in
tests/web/axe/package.json and installed by `make browser` (`npm ci`). Without either,
the tests fail under CI=true and are skipped elsewhere.

Accessibility: `assert_accessible(page, where)` runs axe-core's WCAG 2 A and AA rules
over the page as it is now and fails, naming each rule, its impact, the elements and the
rule's help page, when any violation is serious or critical. The app's
Content-Security-Policy forbids inline script, so axe is injected only into pages of a
context opened with `bypass_csp=True` (`axe_context`); the pages a test walks keep the
policy, so a violation of it is still caught there.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CONSENTRY_CHROMIUM", "/usr/bin/chromium"))
# Headless, and nothing that reaches out: the machines running the tests have no network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: their serious and critical violations fail.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# axe's best practices (landmarks, heading order) are run too, and shown, never failing.
ADVISORY_TAGS = ["best-practice"]
BLOCKING_IMPACTS = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 900}


def unavailable(reason: str) -> None:
    """Skip, or fail under CI=true, where CI must run the browser tests."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser tests (`make browser` installs them)")
    pytest.skip(reason)


@contextmanager
def chromium(*, axe: bool = True) -> Iterator[Any]:
    """One headless chromium, launched through Playwright; skips (fails under CI) when
    chromium or Playwright is missing, or axe-core where `axe`."""
    if not CHROMIUM.exists():
        unavailable(f"no chromium at {CHROMIUM}")
    if axe and not AXE_SCRIPT.exists():
        unavailable(f"no axe-core at {AXE_SCRIPT} (run `make browser`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app: Any) -> Iterator[str]:
    """`app` served for real by uvicorn on 127.0.0.1, in a thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class PageErrors(list[str]):
    """Console errors (a script error, a Content-Security-Policy refusal) and failed loads
    of what a page includes, collected while a test drives it; they must stay none."""

    def watch(self, tab: Any) -> Any:
        def on_console(message: Any) -> None:
            # Failed loads are judged per resource, below.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.append(f"{tab.url}: {message.text}")

        def on_response(response: Any) -> None:
            # Pages answer 4xx on purpose (a form error); what they load must not. Browsers
            # ask for /favicon.ico on their own; the app has none.
            kind = response.request.resource_type
            if response.status >= 400 and kind != "document" and "/favicon.ico" not in response.url:
                self.append(f"{response.status} for {kind} {response.url}")

        tab.on("console", on_console)
        tab.on("response", on_response)
        tab.on("pageerror", lambda e: self.append(f"{tab.url}: {e}"))
        return tab


# How long a click or a navigation may wait: the AI pages answer from the language
# model, whose first request loads it and whose drafts take tens of seconds on two busy
# cores, well past Playwright's default of 30 s.
MODEL_TIMEOUT_MS = 180_000


def axe_context(browser: Any, storage_state: Any = None) -> Any:
    """A browser context in which axe-core may be injected (the CSP is bypassed); pass a
    walked context's `storage_state()` to see the pages as its member does."""
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True, storage_state=storage_state)
    context.set_default_timeout(MODEL_TIMEOUT_MS)
    return context


_RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
}).then(result => result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    tags: v.tags,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact})),
})))"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2 A/AA rules and best practices on `page` as it is
    now (every impact)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(_RUN_AXE, WCAG_TAGS + ADVISORY_TAGS)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations of a WCAG 2 A/AA rule with serious or critical impact."""
    return [
        v
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS and any(t in WCAG_TAGS for t in v["tags"])
    ]


def describe(where: str, violations: list[dict[str, Any]]) -> str:
    """One readable paragraph per violation: rule, impact, help, elements, help page."""
    lines = [f"{where}:"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"      at {node['target']}")
        if len(v["nodes"]) > 8:
            lines.append(f"      ... and {len(v['nodes']) - 8} more")
        lines.append(f"    see {v['helpUrl']}")
    return "\n".join(lines)


class AccessibilityLog:
    """Collects the serious and critical violations of every page a test checks, so one
    failure lists them all instead of stopping at the first page."""

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Any, where: str | None = None) -> None:
        where = where or page.url
        self.checked.append(where)
        violations = axe_violations(page)
        found = blocking(violations)
        if found:
            self.findings.append(describe(where, found))
        minor = [v for v in violations if v not in found]
        if minor:
            # Moderate and minor findings, and best practices, do not fail the test; shown
            # with -s, to be fixed.
            print(describe(f"{where} (advisory)", minor))

    def assert_clean(self) -> None:
        assert self.checked, "no page was checked"
        assert not self.findings, (
            f"serious or critical accessibility violations on {len(self.findings)} of "
            f"{len(self.checked)} pages:\n" + "\n".join(self.findings)
        )


class Screenshots:
    """Full-page screenshots, numbered in the order taken, in $CONSENTRY_SCREENSHOTS or
    the given folder; each path is printed, so the test's output shows where they are."""

    def __init__(self, default: Path) -> None:
        self.folder = Path(os.environ.get("CONSENTRY_SCREENSHOTS") or default)
        self.taken: list[Path] = []

    def take(self, page: Any, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        print(f"screenshot: {path}")
        return path
