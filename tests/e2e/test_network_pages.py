"""In a real browser: an owner enables the custodial key and registers the enterprise as a partner; a second
enterprise's member connects to it, signing with their custodial key after entering their password. The connection
shows on both sides."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from organizations.models import Role
from organizations.services import custodial_key_enable
from partners.models import Connection, Partner
from tests.factories.organizations import DEFAULT_PASSWORD, LicenseFactory, MembershipFactory
from tests.factories.partners import NetworkClientFactory, PartnerConfigFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())  # for a human look at the pages (never committed)
TOKEN = "bravo-connection-token-7f3a"


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_register_a_partner_and_connect_to_it_signing_with_the_custodial_key(live_server, browser):
    # Staff's part: Acme's license and partner config; Globex licensed, with its network client and custodial key.
    acme = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    LicenseFactory(organization=acme.organization)
    PartnerConfigFactory(enterprise=acme.organization)
    globex = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    LicenseFactory(organization=globex.organization)
    NetworkClientFactory(enterprise=globex.organization)
    custodial_key_enable(
        organization=globex.organization, user=globex.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )

    alice = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    alice.set_default_timeout(15_000)
    gary = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    gary.set_default_timeout(15_000)

    # Alice enables Acme's custodial key on the Signing keys page.
    sign_in(alice, live_server.url, "alice")
    alice.get_by_role("navigation", name="Organization").get_by_role("link", name="Signing keys").click()
    alice.locator("#id_custodial_password").fill(DEFAULT_PASSWORD)
    alice.get_by_role("button", name="Enable custodial key").click()
    expect(alice.get_by_text("Custodial signing enabled")).to_be_visible()

    # ... and registers Acme as a partner.
    alice.get_by_role("navigation", name="Organization").get_by_role("link", name="Network").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text("Network")
    alice.screenshot(path=SCREENSHOTS / "e2e_network_overview.png", full_page=True)
    alice.get_by_role("link", name="Register as a partner").click()
    alice.get_by_label("Name").fill("Acme Prime")
    alice.get_by_label("Institution identifier").fill("LEI-ACME-0001")
    alice.get_by_label("Connection key schema").select_option("token")
    alice.get_by_label("Client dispute window").fill("60")
    alice.screenshot(path=SCREENSHOTS / "e2e_network_register.png", full_page=True)
    alice.get_by_role("button", name="Register as a partner").click()
    expect(alice.get_by_text("Acme Prime is now a network partner.")).to_be_visible()
    expect(alice.get_by_test_id("partner")).to_contain_text("Acme Exchange is a network partner")
    partner = Partner.objects.get(enterprise=acme.organization)

    # Gary finds Acme Prime in the directory and connects, signing with Globex's custodial key.
    sign_in(gary, live_server.url, "gary")
    gary.get_by_role("navigation", name="Organization").get_by_role("link", name="Network").click()
    gary.get_by_role("navigation", name="Network").get_by_role("link", name="Partner directory").click()
    gary.get_by_label("Only my trust organization").check()
    gary.get_by_role("button", name="Filter").click()
    expect(gary.get_by_test_id("partners")).to_contain_text("Acme Prime")
    gary.screenshot(path=SCREENSHOTS / "e2e_network_directory.png", full_page=True)
    gary.get_by_role("link", name="Connect to Acme Prime").click()
    gary.get_by_label("Name").fill("Globex at Acme")
    gary.get_by_label("Connection token").fill(TOKEN)
    gary.get_by_role("button", name="Continue").click()

    expect(gary.get_by_test_id("payload")).to_contain_text(f'"partnerId":"{partner.pk}"')
    gary.get_by_role("radio", name="Sign with the custodial key").check()
    gary.get_by_role("textbox", name="Your password").fill(DEFAULT_PASSWORD)
    gary.screenshot(path=SCREENSHOTS / "e2e_network_sign.png", full_page=True)
    gary.get_by_role("button", name="Sign and connect").click()

    expect(gary.get_by_text("Connected to Acme Prime as “Globex at Acme”.")).to_be_visible()
    expect(gary.get_by_test_id("connection")).to_contain_text("Connection to Acme Prime")
    assert TOKEN not in gary.content()
    gary.screenshot(path=SCREENSHOTS / "e2e_network_connection.png", full_page=True)
    connection = Connection.objects.get()
    assert connection.connection_key == {"schema": "token", "connectionToken": TOKEN}
    assert connection.signing_key.custodial.organization == globex.organization

    gary.get_by_role("link", name="← All connections").click()
    expect(gary.get_by_test_id("connections")).to_contain_text("Globex at Acme")

    # The connection shows on Acme's side too.
    alice.get_by_role("navigation", name="Network").get_by_role("link", name="Incoming connections").click()
    expect(alice.get_by_test_id("incoming")).to_contain_text("Globex Trading")
    expect(alice.get_by_test_id("incoming")).to_contain_text("Globex at Acme")
    alice.screenshot(path=SCREENSHOTS / "e2e_network_incoming.png", full_page=True)

    alice.context.close()
    gary.context.close()
