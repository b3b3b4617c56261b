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
