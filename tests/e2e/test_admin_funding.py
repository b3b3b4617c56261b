"""In a real browser, at desktop and phone widths: staff fund a network client in whole units through the admin's
two steps (nothing moves before the confirmation, which reads the amount in whole units), under the CSP."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from allocations.models import AccountKind, AccountRef, LedgerTransaction
from allocations.selectors.ledger import account_balance
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory, OrganizationFactory
from tests.factories.partners import CurrencyFactory, NetworkClientFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_staff_fund_a_client_in_whole_units_after_a_confirmation(live_server, browser, width, height):
    tbtc = CurrencyFactory(code="tbtc", decimals=8)  # a live server's test flushes the migrations' currencies
    client = NetworkClientFactory(enterprise=OrganizationFactory(name="Globex Trading"))
    MembershipFactory(user__username="staff", user__is_staff=True, user__is_superuser=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/allocations/ledgertransaction/funding/?client={client.pk}")
    expect(page.locator("ol.breadcrumbs")).to_contain_text("Ledger transactions")
    page.get_by_label("Currency").select_option("tbtc")
    page.get_by_label("Amount").fill("0.25")
    page.get_by_label("Reason").fill("Wire 2026-015")
    page.get_by_role("button", name="Review the movement").click()

    expect(page.get_by_test_id("funding-amount")).to_have_text("0.25 tbtc")
    expect(page.get_by_test_id("funding-summary")).to_contain_text("25,000,000 base units")
    assert not LedgerTransaction.objects.exists()  # nothing moved yet
    page.screenshot(path=SCREENSHOTS / f"e2e_admin_funding_confirm_{width}.png", full_page=True)
    page.get_by_role("button", name="Confirm: deposit 0.25 tbtc").click()

    expect(page.locator(".messagelist")).to_contain_text("Deposit of 0.25 tbtc (25,000,000 base units)")
    assert account_balance(AccountRef(client.pk, AccountKind.AVAILABLE, tbtc)) == 25_000_000
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("window.__cspViolations") == []
    context.close()
