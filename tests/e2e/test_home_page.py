"""The home page after `seed_demo`, as the demo users see it in Chromium at a desktop's and a phone's width: the
figures in whole units, right-aligned, what to do next, and no sideways scrolling."""

import pytest
from django.core.management import call_command

from tests.factories.partners import CurrencyFactory

pytestmark = pytest.mark.e2e

VIEWPORTS = [(1366, 900), (390, 844)]


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_demo_home_pages_at_both_widths(live_server, browser, tmp_path, width, height):
    # the live server's database starts empty: the currencies the data migration makes come first
    CurrencyFactory(code="tbtc", decimals=8, testnet=True)
    CurrencyFactory(code="teth", decimals=18, testnet=True)
    call_command("seed_demo", output_dir=str(tmp_path))

    def home_of(username: str):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("demo-pass-2026")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, username
        return page

    page = home_of("gary")
    cell = page.get_by_role("region", name="Balances").get_by_role("cell", name="8.5 tbtc")
    assert cell.is_visible()
    assert cell.evaluate("element => getComputedStyle(element).textAlign") == "right"
    page.context.close()

    page = home_of("vera")
    page.get_by_role("region", name="What to do next").get_by_role("link", name="Answer them →").click()
    page.wait_for_url("**/network/incoming/allocations")
    assert page.get_by_text("Globex treasury").first.is_visible()
    page.context.close()

    home_of("alice").context.close()
