"""On a phone (390 px wide) no page scrolls sideways: wide tables scroll inside their own box. (The settlement pages
with data — details, dispute and settlement forms — are checked at 390 px in tests/e2e/test_settlement_pages.py.)"""

import pytest

from organizations.models import LicenseProduct, Role
from tests.e2e.test_network_pages import sign_in
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import LicenseFactory, MembershipFactory
from tests.factories.partners import NetworkClientFactory

pytestmark = pytest.mark.e2e

PAGES = [
    "/",
    "/partners",
    "/partners/new",
    "/organizations/invitations",
    "/organizations/connections",
    "/organizations/members",
    "/organizations/api-clients",
    "/organizations/signing-keys",
    "/network/",
    "/network/partners",
    "/network/connections",
    "/network/balances",
    "/network/allocations",
    "/network/settlements",
    "/network/incoming/settlements",
    "/network/incoming/settlements/new",
]


def test_no_page_scrolls_sideways_at_390_pixels(live_server, browser):
    owner = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    organization = owner.organization
    LicenseFactory(organization=organization, product=LicenseProduct.NETWORK)
    NetworkClientFactory(enterprise=organization)
    MembershipFactory(organization=organization, role=Role.VIEWER)
    OrganizationPartnerFactory(organization=organization, company_name="Globex Corporation International Holdings")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, "alice")

    widths = {}
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    context.close()

    assert {path: width for path, width in widths.items() if width > 390} == {}


# --- issue 15: the pages changed for forms and layout, at 390 px and 1366 px -------------------------------------

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}

# Whether an element is drawn whole inside the viewport and inside every box that clips it (a .table-wrap).
FULLY_SHOWN = """element => {
  const rect = element.getBoundingClientRect();
  if (rect.width === 0 || rect.left < 0 || rect.right > window.innerWidth) { return false; }
  for (let box = element.parentElement; box; box = box.parentElement) {
    if (getComputedStyle(box).overflowX === "visible") { continue; }
    const clip = box.getBoundingClientRect();
    if (rect.left < clip.left - 0.5 || rect.right > clip.right + 0.5) { return false; }
  }
  return true;
}"""


@pytest.fixture
def acme_prime(live_server):
    """Alice, owner of Acme Exchange (the partner "Acme Prime", with a custodial key), a partner record, a guest
    invitation waiting, and Bravo, another partner Acme can connect to."""
    from invitations.services import guest_invitation_create
    from organizations.services import custodial_key_enable
    from tests.factories.organizations import DEFAULT_PASSWORD
    from tests.factories.partners import ConnectionFactory, PartnerFactory
    from tests.invitations.conftest import in_days

    owner = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    acme = owner.organization
    LicenseFactory(organization=acme, product=LicenseProduct.NETWORK)
    acme_partner = PartnerFactory(enterprise=acme, name="Acme Prime")
    custodial_key_enable(organization=acme, user=owner.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD)
    OrganizationPartnerFactory(organization=acme, company_name="Globex Corporation International Holdings")
    guest_invitation_create(
        organization=acme, email="buyers@umbrella-retail-international.example", expired_at=in_days(7)
    )
    bravo = PartnerFactory(name="Bravo Markets")
    # a connection of Acme's as a client, named with its partner (shown once, not "… at Bravo Markets at Bravo Markets")
    ConnectionFactory(client=acme_partner.client, partner=bravo, name="Acme at Bravo Markets")
    return bravo


def connect_step_two(page, base_url: str, partner) -> None:
    page.goto(f"{base_url}/network/connections/new?partner={partner.pk}")
    page.get_by_label("Name").fill("Main account")
    page.get_by_label("Connection token").fill("tok-never-shown-in-clear")
    page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("signed-request").wait_for()


def test_the_changed_pages_fit_a_phone_and_keep_their_actions_at_desktop_width(live_server, browser, acme_prime):
    paths = [
        "/partners",
        "/partners/new",
        "/organizations/invitations",
        "/organizations/members",
        "/organizations/signing-keys",
        "/network/",
        "/network/connections",
        "/network/incoming",
        "/network/register",
        "/network/incoming/allocations",
        "/network/incoming/settlements",
    ]
    connection = acme_prime.connections.get()
    paths += [f"/network/connections/{connection.pk}", f"/network/connections/{connection.pk}/allocate"]
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        sign_in(page, live_server.url, "alice")
        widths = {}
        for path in paths:
            assert page.goto(f"{live_server.url}{path}").status == 200, path
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
            # one current item in the top navigation, whatever the page
            assert page.locator("nav.subnav a[aria-current=page]").count() == 1, path
        connect_step_two(page, live_server.url, acme_prime)
        widths["connect, step 2"] = page.evaluate("document.documentElement.scrollWidth")
        assert {path: width for path, width in widths.items() if width > viewport["width"]} == {}

        page.goto(f"{live_server.url}/network/connections/{connection.pk}/allocate")
        header = page.locator(".card__header", has=page.locator("#request-title")).inner_text()
        assert header.count("Bravo Markets") == 1, header  # the name says it; nothing adds "at Bravo Markets"

        if viewport is DESKTOP:
            page.goto(f"{live_server.url}/partners")
            assert page.get_by_role("button", name="Delete").first.evaluate(FULLY_SHOWN)
            page.goto(f"{live_server.url}/organizations/invitations")
            table = page.get_by_test_id("guest-invitations")
            assert table.get_by_role("button", name="Resend").first.evaluate(FULLY_SHOWN)
            assert table.locator("thead th", has_text="Sent").evaluate(FULLY_SHOWN)
            page.goto(f"{live_server.url}/network/incoming")
            # each group of Network tabs is one row: as tall as one tab
            for row in page.locator(".tabs__row").all():
                tab_height = row.locator("a").first.evaluate("a => a.getBoundingClientRect().height")
                assert row.evaluate("r => r.getBoundingClientRect().height") < 1.5 * tab_height
        context.close()


def test_signing_defaults_to_the_custodial_key_and_shows_the_secret_only_when_asked(live_server, browser, acme_prime):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "alice")
    connect_step_two(page, live_server.url, acme_prime)

    expect(page.get_by_role("radio", name="Sign with the custodial key")).to_be_checked()
    expect(page.get_by_test_id("sign-panel-custodial")).to_be_visible()
    expect(page.get_by_test_id("sign-panel-paste")).to_be_hidden()
    expect(page.get_by_test_id("payload-masked")).to_contain_text('"connectionToken":"••••••••"')
    expect(page.get_by_test_id("payload")).to_be_hidden()
    expect(page.get_by_text("tok-never-shown-in-clear")).to_be_hidden()
    expect(page.get_by_test_id("copy-payload")).to_be_visible()

    page.get_by_text("Show secrets").click()
    expect(page.get_by_test_id("payload")).to_contain_text('"connectionToken":"tok-never-shown-in-clear"')
    expect(page.get_by_test_id("payload-masked")).to_be_hidden()

    page.get_by_role("radio", name="Paste a signature").check()
    expect(page.get_by_test_id("sign-panel-paste")).to_be_visible()
    expect(page.get_by_test_id("sign-panel-custodial")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
