"""End-to-end tests: Playwright for Python driving Debian's Chromium against a live server.

`make test` installs Chromium with apt-get when it is missing. The browser runs headless, without a
sandbox (CI runs as root) and without background networking (the machine has no network).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
#: The password of every demo account (hotline.demo.users.DEMO_PASSWORD), which the test world uses too.
DEMO_PASSWORD = "demo12345"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    """Register the `e2e` marker (`pytest -m "not e2e"` skips the browser tests)."""
    config.addinivalue_line("markers", "e2e: end-to-end test driving Chromium against a live server")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it with apt-get (package chromium)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:  # noqa: ANN001
    """A fresh browser context (no cookies) at desktop width, with the live server's URL as base."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900},
                                  locale="zh-CN")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server) -> Iterator[object]:  # noqa: ANN001
    """A browser context at phone width (375 px)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812},
                                  locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page, name: str, *, full_page: bool = False) -> None:  # noqa: ANN001
    """Save a screenshot of the page under docs/screenshots/ (shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:  # noqa: ANN001
    """Sign in through the login form (a fresh session), and wait until the app has let us in.

    The form's own button is clicked: the header of every page also holds the language switch's
    submit button, which comes first in the document.
    """
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state("domcontentloaded")


@pytest.fixture
def fast_hashing(settings) -> None:  # noqa: ANN001
    """MD5 password hashes for the test accounts: every login through the form checks one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(transactional_db, fast_hashing, live_server):  # noqa: ANN001, ANN201
    """The small world of `tests/e2e/world.py` (taxonomy, units, demo accounts), on the live server's database.

    The portal's rate limits count in the cache, which outlives a test: it starts empty.
    """
    from django.core.cache import cache

    from tests.e2e.world import build_world

    cache.clear()
    return build_world()
