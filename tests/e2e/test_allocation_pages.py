"""In a real browser: a funded client with a connection and a custodial key allocates, then deallocates, through the
pages (signing with the custodial key after its password) and sees its balances change on the dashboard."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from allocations.models import Allocation
from allocations.services import network_deposit
from organizations.models import Role
from organizations.services import custodial_key_enable
from tests.e2e.test_network_pages import sign_in
from tests.factories.organizations import DEFAULT_PASSWORD, LicenseFactory, MembershipFactory
from tests.factories.partners import ConnectionFactory, CurrencyFactory, NetworkClientFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())


def balances(page) -> list[str]:
    return page.get_by_test_id("balances").locator("tbody tr").first.locator("td").all_inner_texts()


def request(page, button: str, quantity: str) -> None:
    page.get_by_role("link", name=button, exact=True).click()
    page.get_by_label("Currency").select_option("btc")
    page.get_by_label("Quantity").fill(quantity)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("payload")).to_contain_text(f'"quantity":"{quantity}"')
    page.get_by_role("radio", name="Sign with the custodial key").check()
    page.get_by_role("textbox", name="Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign and send").click()


def test_allocate_and_deallocate_and_see_the_balances_change(live_server, browser):
    gary = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    LicenseFactory(organization=gary.organization)
    client = NetworkClientFactory(enterprise=gary.organization)
    btc = CurrencyFactory(code="btc")
    connection = ConnectionFactory(client=client, name="Globex at Acme", partner__name="Acme Prime")
    connection.partner.config.supported_currencies.add(btc)
    network_deposit(client=client, currency=btc, amount=1000, memo="Opening funds")
    custodial_key_enable(
        organization=gary.organization, user=gary.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "gary")
    network = page.get_by_role("navigation", name="Network")

    page.goto(f"{live_server.url}/network/balances")
    assert balances(page) == ["btc", "1000", "0"]

    page.goto(f"{live_server.url}/network/connections/{connection.pk}")
    request(page, "Allocate", "300")
    expect(page.get_by_text("Allocation cleared.")).to_be_visible()
    network.get_by_role("link", name="Balances").click()
    assert balances(page) == ["btc", "700", "300"]
    expect(page.get_by_test_id("connection-balances")).to_contain_text("Globex at Acme")
    expect(page.get_by_test_id("chart").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "e2e_allocation_balances.png", full_page=True)

    page.get_by_role("link", name="Globex at Acme").click()
    request(page, "Deallocate", "100")
    expect(page.get_by_text("Deallocation cleared.")).to_be_visible()
    network.get_by_role("link", name="Balances").click()
    assert balances(page) == ["btc", "800", "200"]

    network.get_by_role("link", name="Allocations", exact=True).click()
    expect(page.get_by_test_id("allocations").locator("tbody tr")).to_have_count(2)
    assert Allocation.objects.filter(status="cleared").count() == 2
    page.context.close()
