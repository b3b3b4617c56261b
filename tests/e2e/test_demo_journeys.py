"""Issue 15's journeys, walked in Chromium as the demo users right after `seed_demo`, at a desktop's and a phone's
width: alice creates a partner record (refused with inline errors, then created) and re-imports her partners' CSV
export without duplicating anything; gary allocates 0.25 tbtc to Acme Prime (signing the payload shown with his demo
key) and reads it in whole units everywhere, then is refused a deallocation of more than he holds before any
signature; vera confirms the reserved allocation waiting for her, and gary sees it cleared.

Every page visited fits the viewport (no sideways scrolling of the page) and logs no CSP violation. The live server's
database is flushed after each test, so each viewport seeds the demo once and walks all the journeys in order.
"""

import json
import tempfile
from pathlib import Path

import pytest
from coincurve import PrivateKey
from django.core.management import call_command
from playwright.sync_api import expect

from allocations.models import Allocation
from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_RESERVED_ALLOCATION
from organization_partners.models import OrganizationPartner
from organizations.signing import sign_message
from tests.factories.partners import CurrencyFactory
from tests.organization_partners.pages.conftest import csv_row

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())  # for a human look at the pages (never committed)
VIEWPORTS = [(1366, 900), (390, 844)]
# Added before any page script runs (as in test_csp.py): every CSP violation is kept.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Visitor:
    """A demo user's browser page at one viewport. `check()` (after each page load) asserts the page fits the
    viewport's width and collects its CSP violations (the init script's listener, and Chromium's console reports); the
    test asserts none were seen at the end. Every page load the journeys cause is checked."""

    def __init__(self, browser, base_url: str, username: str, width: int, height: int) -> None:
        self.base_url, self.username, self.width = base_url, username, width
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.violations: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and self.violations.append(f"{self.page.url}: console {message.text}")
            ),
        )
        self.visited: list[str] = []
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{base_url}/")
        self.check()

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.check()

    def check(self) -> None:
        page = self.page
        # after a click, the next document (each check marks the one it checked: a new document has no mark)
        page.wait_for_function("() => !window.__checked")
        page.wait_for_load_state("load")
        self.visited.append(page.url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > self.width:
            page.screenshot(path=SCREENSHOTS / f"e2e_demo_too_wide_{self.username}_{self.width}.png", full_page=True)
        assert scroll_width <= self.width, f"{page.url} is {scroll_width} px wide at {self.width} px ({self.username})"
        recorded = page.evaluate("window.__cspViolations")
        assert isinstance(recorded, list), f"{page.url}: the violation listener is not installed"
        self.violations.extend(f"{page.url}: {violation}" for violation in recorded)
        page.evaluate("window.__checked = true")

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=SCREENSHOTS / f"e2e_demo_{name}_{self.width}.png", full_page=True)

    def close(self) -> list[str]:
        self.context.close()
        return self.violations


def partner_form_fill(page, row: dict) -> None:
    for name, value in row.items():
        if name == "partner_type":
            page.locator(f"#id_{name}").select_option(value)
        else:
            page.locator(f"#id_{name}").fill(value)


def alice_creates_a_partner(alice: Visitor, suffix: str) -> None:
    """Journey 1: invalid fields are refused with inline errors (nothing created), valid ones create the record."""
    page = alice.page
    before = OrganizationPartner.objects.count()
    alice.goto("/partners")
    page.get_by_role("link", name="New partner").click()
    alice.check()
    row = csv_row(suffix, company_name=f"Hooli Services {suffix}", email="not-an-email")
    row["sales_amount"] = "lots"
    for optional in ("code", "timezone", "customer_count", "properties"):
        row.pop(optional)
    row["city"] = ""
    partner_form_fill(page, row)
    page.get_by_role("button", name="Create partner").click()
    alice.check()
    for field in ("email", "sales_amount", "city"):
        expect(page.locator(f"#id_{field}_error")).to_be_visible()
    expect(page.locator("#id_email_error")).to_contain_text("email")
    expect(page.locator("#id_company_name_error")).to_have_count(0)
    alice.screenshot("partner_errors")
    assert OrganizationPartner.objects.count() == before

    row.update(email=f"ops-{suffix}@hooli.example", sales_amount="90000", city="Palo Alto")
    partner_form_fill(page, row)
    page.get_by_role("button", name="Create partner").click()
    alice.check()
    listed = page.get_by_test_id("partners")
    expect(listed).to_contain_text(f"Hooli Services {suffix}")
    assert OrganizationPartner.objects.count() == before + 1


def alice_reimports_her_export(alice: Visitor) -> None:
    """Journey 2: the page's own export, imported twice, creates and changes nothing (six records: five seeded, one
    made by journey 1; the seeded Wayne Foods and journey 1's have no code and are found by email)."""
    page = alice.page
    count = OrganizationPartner.objects.count()
    alice.goto("/partners")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_bytes()
    for _attempt in (1, 2):
        page.get_by_role("link", name="Import CSV").click()
        alice.check()
        page.get_by_label("CSV file").set_input_files(
            files=[{"name": "partners.csv", "mimeType": "text/csv", "buffer": exported}]
        )
        page.get_by_role("button", name="Check the file").click()
        alice.check()
        expect(page.get_by_test_id("import-summary")).to_contain_text(
            f"{count} rows: 0 to create, 0 to update, {count} unchanged"
        )
        expect(page.get_by_test_id("import-rows")).to_contain_text("(found by email)")
        page.get_by_role("button", name="Apply the import").click()
        alice.check()
        expect(page.get_by_text(f"Imported: 0 partner(s) created, 0 updated, {count} unchanged.")).to_be_visible()
        expect(page.get_by_test_id("partners").locator("tbody tr")).to_have_count(count)
    assert OrganizationPartner.objects.count() == count


def balance_rows(page, table: str) -> dict[str, list[str]]:
    """The table's rows by their first cell's text: the other cells' texts."""
    rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in page.get_by_test_id(table).locator("tbody tr").all()
    ]
    return {row[0]: row[1:] for row in rows}


def gary_allocates(gary: Visitor, globex_key: PrivateKey) -> None:
    """Journey 3: 0.25 tbtc to Acme Prime, signed by pasting a signature made with gary's demo key over the payload
    shown; "0.25 tbtc" on the confirm step, the allocation's page, the balances page and the history."""
    page = gary.page
    gary.goto("/network/balances")
    assert balance_rows(page, "balances")["tbtc"] == ["8.5 tbtc", "1.4 tbtc"]
    assert balance_rows(page, "connection-balances")["Globex at Acme Prime"] == ["tbtc", "0.9 tbtc", "0 tbtc"]
    gary.goto("/network/connections")
    page.get_by_role("link", name="Globex at Acme Prime").first.click()
    gary.check()
    page.get_by_role("link", name="Allocate", exact=True).click()
    gary.check()
    page.get_by_label("Currency").select_option("tbtc")
    page.get_by_label("Amount", exact=True).fill("0.25")
    expect(page.get_by_test_id("amount-preview")).to_have_text("= 25,000,000 base units")
    page.get_by_role("button", name="Continue").click()
    gary.check()
    expect(page.get_by_test_id("summary")).to_contain_text("Allocate 0.25 tbtc — 25,000,000 base units")
    payload = page.get_by_test_id("payload").inner_text()
    assert '"quantity":"25000000"' in payload
    page.get_by_role("textbox", name="Signature").fill(sign_message(globex_key, payload))
    gary.screenshot("allocate_confirm")
    page.get_by_role("button", name="Sign and send").click()
    gary.check()
    expect(page.get_by_text("Allocation cleared.")).to_be_visible()
    expect(page.get_by_test_id("allocation")).to_contain_text("0.25 tbtc — 25,000,000 base units")

    network = page.get_by_role("navigation", name="Network")
    network.get_by_role("link", name="Balances").click()
    gary.check()
    gary.screenshot("balances")
    # the balances are totals: the 0.25 tbtc moved from available (8.5 after the seed) to Acme Prime's held (0.9)
    assert balance_rows(page, "balances")["tbtc"] == ["8.25 tbtc", "1.65 tbtc"]
    assert balance_rows(page, "connection-balances")["Globex at Acme Prime"] == ["tbtc", "1.15 tbtc", "0 tbtc"]

    network.get_by_role("link", name="Allocations", exact=True).click()
    gary.check()
    history = page.get_by_test_id("allocations")
    expect(history.locator("tbody tr").filter(has_text="0.25 tbtc")).to_have_count(1)
    expect(history.locator("tbody tr").filter(has_text="0.25 tbtc")).to_contain_text("Cleared")


def gary_is_refused_an_overdeallocation(gary: Visitor) -> None:
    """Journey 4: more than the connection holds is refused on step 1, in whole units, before any signature."""
    page = gary.page
    gary.goto("/network/connections")
    page.get_by_role("link", name="Globex at Acme Prime").first.click()
    gary.check()
    page.get_by_role("link", name="Deallocate", exact=True).click()
    gary.check()
    page.get_by_label("Currency").select_option("tbtc")
    page.get_by_label("Amount", exact=True).fill("500")
    page.get_by_role("button", name="Continue").click()
    gary.check()
    error = page.get_by_test_id("quantity-error")
    expect(error).to_have_text("Globex at Acme Prime holds 1.15 tbtc you can take back: 500 tbtc is more.")
    expect(page.get_by_test_id("payload")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign and send")).to_have_count(0)
    gary.screenshot("deallocate_refused")


def vera_confirms_the_reserved_allocation(vera: Visitor, vandelay_key: PrivateKey) -> None:
    """Journey 5: the reserved 0.5 tbtc from Globex, confirmed on the incoming list's decide page."""
    page = vera.page
    vera.goto("/network/incoming/allocations?status=reserved")
    incoming = page.get_by_test_id("incoming-allocations")
    row = incoming.locator("tbody tr").filter(has_text="0.5 tbtc")
    expect(row).to_contain_text("Globex Trading")
    row.get_by_role("link", name="Confirm or refuse").click()
    vera.check()
    page.get_by_label("Decision").select_option(label="Confirm (clear)")
    page.get_by_label("Your reference").fill("vandelay-demo-1")
    page.get_by_role("button", name="Continue").click()
    vera.check()
    payload = page.get_by_test_id("payload").inner_text()
    assert '"partnersAllocationId":"vandelay-demo-1"' in payload
    page.get_by_role("textbox", name="Signature").fill(sign_message(vandelay_key, payload))
    page.get_by_role("button", name="Sign and send").click()
    vera.check()
    expect(page.get_by_text("Allocation cleared.")).to_be_visible()
    vera.goto("/network/incoming/allocations?status=reserved")
    expect(incoming.locator("tbody tr")).to_have_text(["No allocations match this filter."])
    vera.goto("/network/incoming/allocations")
    expect(incoming.locator("tbody tr").filter(has_text="0.5 tbtc")).to_contain_text("Cleared")
    assert Allocation.objects.get(client_external_id=DEMO_RESERVED_ALLOCATION).status == "cleared"


def gary_sees_it_cleared(gary: Visitor) -> None:
    page = gary.page
    gary.goto("/network/allocations")
    row = page.get_by_test_id("allocations").locator("tbody tr").filter(has_text="Globex treasury")
    expect(row).to_contain_text("0.5 tbtc")
    expect(row).to_contain_text("Cleared")
    row.get_by_role("link").first.click()
    gary.check()
    expect(page.get_by_test_id("allocation")).to_contain_text("Cleared")


def private_key(path: Path) -> PrivateKey:
    return PrivateKey.from_hex(json.loads(path.read_text())["private_key"])


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_demo_journeys(live_server, browser, tmp_path, width, height):
    # the live server's database starts empty: the currencies the data migration makes come first
    CurrencyFactory(code="tbtc", decimals=8, testnet=True)
    CurrencyFactory(code="teth", decimals=18, testnet=True)
    call_command("seed_demo", output_dir=str(tmp_path))
    violations, pages = [], []

    alice = Visitor(browser, live_server.url, "alice", width, height)
    alice_creates_a_partner(alice, str(width))
    alice_reimports_her_export(alice)
    pages += alice.visited
    violations += alice.close()

    gary = Visitor(browser, live_server.url, "gary", width, height)
    gary_allocates(gary, private_key(tmp_path / "globex-signing-key.json"))
    gary_is_refused_an_overdeallocation(gary)

    vera = Visitor(browser, live_server.url, "vera", width, height)
    vera_confirms_the_reserved_allocation(vera, private_key(tmp_path / "vandelay-signing-key.json"))
    pages += vera.visited
    violations += vera.close()

    gary_sees_it_cleared(gary)
    pages += gary.visited
    violations += gary.close()

    assert len(pages) >= 30  # every page load of the journeys was checked (37 when written)
    assert violations == []
