"""In a real browser: a funded client with a connection and a custodial key allocates, then deallocates, through the
pages (signing with the custodial key after its password) and sees its balances change on the dashboard; an
asynchronous partner confirms and refuses reserved allocations on its incoming list."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from allocations.models import Allocation
from allocations.payloads import AllocationFields
from allocations.selectors.balances import Balance, client_balances
from allocations.services.allocations import allocation_create
from allocations.services.funding import network_deposit
from organizations.models import Role
from organizations.services import custodial_key_enable
from tests.allocations.conftest import signed_request
from tests.e2e.test_network_pages import sign_in
from tests.factories.organizations import DEFAULT_PASSWORD, LicenseFactory, MembershipFactory, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, CurrencyFactory, NetworkClientFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())


def balances(page) -> list[str]:
    return page.get_by_test_id("balances").locator("tbody tr").first.locator("td").all_inner_texts()


def request(page, button: str, amount: str, base: str) -> None:
    """Allocates or deallocates `amount` whole btc (`base` in base units) from the connection's page."""
    page.get_by_role("link", name=button, exact=True).click()
    page.get_by_label("Currency").select_option("btc")
    page.get_by_label("Amount", exact=True).fill(amount)
    expect(page.get_by_test_id("amount-preview")).to_have_text(f"= {int(base):,} base units")  # the live conversion
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("summary")).to_contain_text(f"{amount} btc — {int(base):,} base units")
    expect(page.get_by_test_id("payload")).to_contain_text(f'"quantity":"{base}"')  # signed in base units
    page.get_by_role("radio", name="Sign with the custodial key").check()
    page.get_by_role("textbox", name="Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign and send").click()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_allocate_and_deallocate_and_see_the_balances_change(live_server, browser):
    """In whole units throughout: 1 btc deposited, 0.25 allocated (the confirm step, the balances and the history
    say "0.25 btc"), a deallocation of more than the connection holds refused on step 1 before any signature, then
    0.1 taken back. At 1280 and 390 px, no page wider than the viewport."""
    gary = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    LicenseFactory(organization=gary.organization)
    client = NetworkClientFactory(enterprise=gary.organization)
    btc = CurrencyFactory(code="btc", decimals=8)  # as seeded (a flushed database makes it anew)
    connection = ConnectionFactory(client=client, name="Globex at Acme", partner__name="Acme Prime")
    connection.partner.config.supported_currencies.add(btc)
    network_deposit(client=client, currency=btc, amount=100_000_000, memo="Opening funds")
    custodial_key_enable(
        organization=gary.organization, user=gary.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "gary")
    network = page.get_by_role("navigation", name="Network")

    page.goto(f"{live_server.url}/network/balances")
    assert balances(page) == ["btc", "1 btc", "0 btc"]

    page.goto(f"{live_server.url}/network/connections/{connection.pk}")
    expect(page.get_by_test_id("connection-funds-empty")).to_be_visible()
    request(page, "Allocate", "0.25", "25000000")
    expect(page.get_by_text("Allocation cleared.")).to_be_visible()
    expect(page.get_by_test_id("allocation")).to_contain_text("0.25 btc — 25,000,000 base units")
    network.get_by_role("link", name="Balances").click()
    assert balances(page) == ["btc", "0.75 btc", "0.25 btc"]
    expect(page.get_by_test_id("connection-balances")).to_contain_text("Globex at Acme")
    expect(page.get_by_test_id("chart").first).to_contain_text("Available 0.75 btc (75.0%)")
    fits(page, 1280)
    page.screenshot(path=SCREENSHOTS / "e2e_allocation_balances.png", full_page=True)

    page.get_by_role("link", name="Globex at Acme").first.click()
    expect(page.get_by_test_id("connection-funds-list")).to_contain_text("0.25 btc")
    page.get_by_role("link", name="Deallocate", exact=True).click()
    page.get_by_label("Currency").select_option("btc")
    page.get_by_label("Amount", exact=True).fill("2")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("quantity-error")).to_have_text(
        "Globex at Acme holds 0.25 btc you can take back: 2 btc is more."
    )
    expect(page.get_by_test_id("payload")).to_have_count(0)  # refused before asking for a signature
    page.goto(f"{live_server.url}/network/connections/{connection.pk}")
    request(page, "Deallocate", "0.1", "10000000")
    expect(page.get_by_text("Deallocation cleared.")).to_be_visible()
    network.get_by_role("link", name="Balances").click()
    assert balances(page) == ["btc", "0.85 btc", "0.15 btc"]

    network.get_by_role("link", name="Allocations", exact=True).click()
    history = page.get_by_test_id("allocations")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history).to_contain_text("0.25 btc")
    assert Allocation.objects.filter(status="cleared").count() == 2

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/network/balances", "/network/allocations", f"/network/connections/{connection.pk}/allocate"):
        page.goto(f"{live_server.url}{path}")
        fits(page, 390)
    page.context.close()


def decide(page, amount: str, decision: str, reference: str, reason: str = "") -> None:
    """On the incoming list, answers the reserved allocation of `amount`, signing with the custodial key."""
    row = page.get_by_test_id("incoming-allocations").locator("tbody tr").filter(has_text=amount)
    row.get_by_role("link", name="Confirm or refuse").click()
    page.get_by_label("Decision").select_option(label=decision)
    if reason:
        page.get_by_label("Reason for refusing").fill(reason)
    page.get_by_label("Your reference").fill(reference)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("payload")).to_contain_text(f'"partnersAllocationId":"{reference}"')
    page.get_by_role("radio", name="Sign with the custodial key").check()
    page.get_by_role("textbox", name="Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign and send").click()


def test_an_asynchronous_partner_confirms_and_refuses_reserved_allocations(live_server, browser):
    """Globex allocates 0.3 and 0.2 btc to Acme, which answers later: both are reserved. Acme's owner confirms the first
    and refuses the second in the browser; Globex's funds follow (0.3 held, the 0.2 back)."""
    gary = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    LicenseFactory(organization=gary.organization)
    alice = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Prime")
    LicenseFactory(organization=alice.organization)
    custodial_key_enable(
        organization=alice.organization, user=alice.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    btc = CurrencyFactory(code="btc", decimals=8)
    client = NetworkClientFactory(enterprise=gary.organization)
    connection = ConnectionFactory(client=client, name="Globex at Acme", partner__enterprise=alice.organization)
    connection.partner.config.supported_currencies.add(btc)
    connection.partner.config.async_allocations_enabled = True
    connection.partner.config.save()
    network_deposit(client=client, currency=btc, amount=100_000_000, memo="Opening funds")
    key = SigningKeyFactory(organization=gary.organization)
    for quantity in ("30000000", "20000000"):
        body = signed_request(connection, key, quantity=quantity, currency="btc")
        amount = body.pop("amount")
        fields = AllocationFields(
            connection_id=connection.pk,
            currency="btc",
            quantity=int(amount["quantity"]),
            client_external_id=body["clientExternalId"],
            nonce=body["nonce"],
        )
        allocation = allocation_create(
            enterprise=gary.organization,
            fields=fields,
            payload=body["payload"],
            signature=body["signature"],
            initiated_by="test",
        )
        assert allocation.status == "reserved"
    assert client_balances(enterprise=gary.organization).balances["btc"] == Balance(
        available=50_000_000, held=50_000_000
    )

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/network/incoming/allocations?status=reserved")
    incoming = page.get_by_test_id("incoming-allocations")
    expect(incoming.locator("tbody tr")).to_have_count(2)
    expect(incoming).to_contain_text("Globex Trading")

    decide(page, "0.3 btc", "Confirm (clear)", "acme-1")
    expect(page.get_by_text("Allocation cleared.")).to_be_visible()
    page.goto(f"{live_server.url}/network/incoming/allocations?status=reserved")
    decide(page, "0.2 btc", "Refuse (release)", "acme-2", reason="Over our limit")
    expect(page.get_by_text("Allocation released.")).to_be_visible()
    page.goto(f"{live_server.url}/network/incoming/allocations?status=reserved")
    expect(incoming.locator("tbody tr")).to_have_text(["No allocations match this filter."])
    page.screenshot(path=SCREENSHOTS / "e2e_partner_decisions.png", full_page=True)
    page.context.close()

    assert sorted(Allocation.objects.values_list("status", "partner_external_id")) == [
        ("cleared", "acme-1"),
        ("released", "acme-2"),
    ]
    assert client_balances(enterprise=gary.organization).balances["btc"] == Balance(
        available=70_000_000, held=30_000_000
    )
