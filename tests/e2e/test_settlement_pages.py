"""In a real browser: a partner with disputes enabled settles (v2) a client's loss, the client disputes the pending
settlement and then closes its dispute, the settlement finalizes with that connection held back, the partner's next
settlement takes in what the closure decided, and both sides see the balances move. Every settlement page is looked
at 1366 and 390 pixels wide (screenshots under /tmp/shots) and none scrolls sideways on a phone."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from allocations.models import AccountKind, AccountRef
from allocations.selectors.ledger import account_balance
from organizations.models import Role
from organizations.services import custodial_key_enable
from settlements.models import Dispute, Settlement, SettlementStatus
from settlements.services.finalization import settlement_finalize
from tests.e2e.test_network_pages import sign_in
from tests.factories.organizations import DEFAULT_PASSWORD, LicenseFactory, MembershipFactory
from tests.factories.partners import ConnectionFactory, CurrencyFactory, NetworkClientFactory, PartnerFactory
from tests.settlements.conftest import allocate

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir()) / "shots"
COIN = 100_000_000


def look(page, name: str) -> None:
    """Screenshots of the current page at 1366 and 390 pixels wide; at 390 it must not scroll sideways."""
    SHOTS.mkdir(exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name} scrolls sideways at {width} px ({scroll_width})"
    page.set_viewport_size({"width": 1366, "height": 900})


def sign(page, button: str) -> None:
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("payload")).to_be_visible()
    page.get_by_role("radio", name="Sign with the custodial key").check()
    page.get_by_role("textbox", name="Your password").fill(DEFAULT_PASSWORD)


def browser_page(browser, live_server, username: str):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, username)
    return page


def settle_on_the_page(page, base: str, connection, amount: str, name: str) -> None:
    page.goto(f"{base}/network/incoming/settlements")
    page.get_by_role("link", name="New settlement").click()
    expect(page.get_by_test_id("held")).to_contain_text("Globex at Acme")
    page.locator("#id_row0_connection").select_option(str(connection.pk))
    page.locator("#id_row0_currency").select_option("tbtc")
    page.locator("#id_row0_amount").fill(amount)
    page.get_by_label("Settlement ID").fill(name)
    if name == "day-1":
        look(page, "settle-step1")
    sign(page, "Sign and settle")
    expect(page.get_by_test_id("movements")).to_contain_text(amount)
    if name == "day-1":
        look(page, "settle-step2")
    page.get_by_role("button", name="Sign and settle").click()
    expect(page.get_by_text(f"Settlement {name} is pending")).to_be_visible()


def test_settle_dispute_close_finalize_and_see_the_balances(live_server, browser):
    alice = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    LicenseFactory(organization=alice.organization)
    gary = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    LicenseFactory(organization=gary.organization)
    for member in (alice, gary):
        custodial_key_enable(
            organization=member.organization, user=member.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
        )
    tbtc = CurrencyFactory(code="tbtc", decimals=8)  # a live server's flush may have emptied the data migration's
    partner = PartnerFactory(
        enterprise=alice.organization, name="Acme Prime", client_dispute_window_minutes=60, top_up_window_minutes=30
    )
    partner.config.supported_currencies.add(tbtc)
    partner.config.disputes_enabled = True
    partner.config.save()
    client = NetworkClientFactory(enterprise=gary.organization)
    connection = ConnectionFactory(client=client, partner=partner, name="Globex at Acme")
    allocate(connection, tbtc, COIN)
    held = AccountRef(connection.network_account_id, AccountKind.HELD, tbtc)
    base = live_server.url

    # The partner settles a loss of 0.25 tbtc: pending for the windows.
    acme = browser_page(browser, live_server, "alice")
    settle_on_the_page(acme, base, connection, "-0.25", "day-1")
    settlement = Settlement.objects.get(external_id="day-1")
    assert settlement.status == SettlementStatus.PENDING
    look(acme, "incoming-settlement-pending")

    # The client sees it pending, with the time left to dispute, and disputes it.
    globex = browser_page(browser, live_server, "gary")
    globex.goto(f"{base}/network/")
    globex.get_by_role("navigation", name="Network").get_by_role("link", name="Settlements", exact=True).click()
    row = globex.get_by_test_id("settlements").locator("tbody tr").filter(has_text="day-1")
    expect(row).to_contain_text("-0.25 tbtc")
    expect(row).to_contain_text("left")
    look(globex, "client-list")
    row.get_by_role("link", name="day-1").click()
    expect(globex.get_by_test_id("dispute-left")).to_contain_text("left")
    look(globex, "client-detail-pending")
    globex.get_by_role("link", name="Dispute", exact=True).click()
    globex.get_by_label("Connection").select_option(label="Globex at Acme")
    globex.get_by_label("Expected tbtc").fill("-0.1")
    globex.get_by_label("Reason").fill("Two of the trades were cancelled by the venue")
    look(globex, "dispute-step1")
    sign(globex, "Sign and dispute")
    expect(globex.get_by_test_id("expected")).to_contain_text("-0.1 tbtc")
    look(globex, "dispute-step2")
    globex.get_by_role("button", name="Sign and dispute").click()
    expect(globex.get_by_text("Dispute raised")).to_be_visible()
    expect(globex.get_by_test_id("dispute")).to_contain_text("Open")
    look(globex, "client-detail-disputed")

    # The partner sees the dispute.
    acme.goto(f"{base}/network/incoming/settlements")
    expect(acme.get_by_test_id("partner-settlements").locator("tbody tr").first).to_contain_text("1")
    look(acme, "incoming-settlements")

    # The client retracts, and looks at un-retracting, then closes its dispute: the original transfers stand.
    globex.get_by_role("link", name="Retract dispute").click()
    globex.get_by_label("Why you retract it").fill("Checking again")
    look(globex, "dispute-retract")
    sign(globex, "Sign and send")
    globex.get_by_role("button", name="Sign and send").click()
    expect(globex.get_by_text("Dispute retracted")).to_be_visible()
    globex.get_by_role("link", name="Un-retract dispute").click()
    sign(globex, "Sign and send")
    globex.get_by_role("button", name="Sign and send").click()
    expect(globex.get_by_text("Dispute stands again")).to_be_visible()
    globex.get_by_role("link", name="Close dispute").click()
    globex.get_by_label("Notes").fill("The partner showed the venue's fills")
    look(globex, "dispute-close")
    sign(globex, "Sign and close")
    globex.get_by_role("button", name="Sign and close").click()
    expect(globex.get_by_text("Dispute closed")).to_be_visible()
    assert Dispute.objects.get().closure.adjusted_transfers == {"tbtc": "-25000000"}

    # The windows pass: the settlement finalizes with the disputed connection held back (nothing moves yet).
    settlement_finalize(settlement_id=settlement.pk, force=True)
    assert account_balance(held) == COIN
    globex.reload()
    expect(globex.get_by_test_id("transfers")).to_contain_text("Disputed")
    expect(globex.get_by_test_id("transfers")).to_contain_text("Held back by the client's dispute")
    look(globex, "client-detail-final")

    # The partner's next settlement takes in what the closure decided; once final, both sides see the money move.
    settle_on_the_page(acme, base, connection, "-0.05", "day-2")
    day2 = Settlement.objects.get(external_id="day-2")
    expect(acme.get_by_test_id("transfers")).to_contain_text("from a closed dispute")
    settlement_finalize(settlement_id=day2.pk, force=True)
    assert account_balance(held) == 70_000_000
    acme.reload()
    expect(acme.get_by_test_id("settlement")).to_contain_text("Completed")
    look(acme, "incoming-settlement-final")
    acme.goto(f"{base}/network/incoming/settlements")
    expect(acme.get_by_test_id("partner-account")).to_contain_text("0.3 tbtc")
    look(acme, "incoming-settlements-final")

    globex.goto(f"{base}/network/balances")
    expect(globex.get_by_test_id("connection-balances")).to_contain_text("0.7 tbtc")
    recent = globex.get_by_test_id("balances-settlements")
    expect(recent).to_contain_text("day-2")
    expect(recent).to_contain_text("-0.25 tbtc")
    expect(recent).to_contain_text("-0.05 tbtc")
    look(globex, "balances")
    globex.goto(f"{base}/network/connections/{connection.pk}")
    expect(globex.get_by_test_id("connection-settlements")).to_contain_text("day-2")
    look(globex, "connection")
    globex.goto(f"{base}/network/settlements")
    texts = globex.get_by_test_id("settlements").locator("tbody tr").all_inner_texts()
    assert re.search(r"day-2.*Completed.*-0\.3 tbtc", " ".join(texts[0].split()))
    look(globex, "client-list-final")
    acme.context.close()
    globex.context.close()
