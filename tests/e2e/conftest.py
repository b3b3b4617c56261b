"""Browser tests: Playwright driving the system Chromium against pytest-django's live server.

Playwright's sync API keeps an asyncio event loop running in the test thread while a browser is open, and Django
then refuses ORM calls from that thread ("you cannot call this from an async context"). The tests only arrange data
and read it back between browser steps, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is open, and only
then: the browser is per module, so the loop and the variable are gone before the rest of the suite runs.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def _orm_allowed_beside_playwright():
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="module")
def browser(_orm_allowed_beside_playwright):
    """One headless Chromium shared by the browser tests of a module."""
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need Chromium at {CHROMIUM}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
