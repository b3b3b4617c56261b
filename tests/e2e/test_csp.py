"""Under the Content-Security-Policy the pages and both API docs pages render in Chromium with no violation."""

import pytest
from playwright.sync_api import expect

from organizations.models import Role
from tests.factories.organizations import DEFAULT_PASSWORD, ApiClientFactory, MembershipFactory, SigningKeyFactory

pytestmark = pytest.mark.e2e

# Added before any page script runs (by the browser, so the policy does not apply to it): every violation is kept.
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and the console errors and CSP violations seen while it was used."""
    seen = {"console": [], "violations": []}
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: message.type == "error" and seen["console"].append(f"{message.text} {message.location}"),
    )
    page.on("response", lambda response: response.status >= 400 and seen["console"].append(response.url))
    page.on("pageerror", lambda error: seen["console"].append(str(error)))

    def collect():
        seen["violations"].extend(page.evaluate("window.__cspViolations || []"))

    yield page, seen, collect


def test_the_pages_render_under_the_policy(live_server, watched):
    page, seen, collect = watched
    membership = MembershipFactory(role=Role.OWNER, user__username="olivia", organization__name="Acme Trading")
    MembershipFactory(organization=membership.organization, role=Role.VIEWER)
    ApiClientFactory(organization=membership.organization, created_by=membership.user)
    SigningKeyFactory(organization=membership.organization)

    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Trading")
    expect(page.locator("html.js")).to_have_count(1)  # app.js ran
    collect()

    for path, heading in [
        ("/organizations/api-clients", "API clients"),
        ("/organizations/signing-keys", "Signing keys"),
        ("/organizations/members", "Members"),
        ("/accounts/password/change/", "Change password"),
        ("/network/", "Network"),  # no license: the page that says so
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("html.js")).to_have_count(1)
        collect()

    assert seen == {"console": [], "violations": []}


def test_swagger_ui_renders_the_schema_under_the_policy(live_server, watched):
    page, seen, collect = watched

    response = page.goto(f"{live_server.url}/api/docs/")
    assert "content-security-policy" in response.headers
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Partner Network API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()  # expand an operation: more of the UI renders
    expect(page.locator(".opblock-body").first).to_be_visible()
    collect()

    assert seen == {"console": [], "violations": []}


def test_redoc_renders_the_schema_under_the_policy(live_server, watched):
    page, seen, collect = watched
    # ReDoc's bundle always shows its vendor's logo from this address; the policy lets it through (a blocked one
    # would be a violation, recorded before any route sees it). Answered here: the test needs no internet.
    page.route("https://cdn.redoc.ly/**", lambda route: route.fulfill(content_type="image/svg+xml", body=LOGO))

    response = page.goto(f"{live_server.url}/api/redoc/")
    assert "content-security-policy" in response.headers
    # ReDoc fetches and lays out the whole schema first: seconds on a loaded 2-CPU machine, hence the longer wait.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner Network API", timeout=30_000)
    expect(page.locator("[data-section-id]").first).to_be_visible()
    page.get_by_role("textbox", name="Search").fill("token")  # search runs in a worker
    expect(page.locator("[role=search] li, [data-role='search:result']").first).to_be_visible()
    collect()

    assert seen == {"console": [], "violations": []}


def test_the_admin_renders_under_the_policy(live_server, watched):
    page, seen, collect = watched
    MembershipFactory(user__username="staff", user__is_staff=True, user__is_superuser=True)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform")
    collect()
    for path in [
        "/admin/organizations/organization/",
        "/admin/organizations/organization/add/",
        "/admin/organizations/apiclient/",
        "/admin/auth/user/",
        "/admin/allocations/ledgertransaction/funding/",
        "/admin/allocations/ledgeraccount/",
        "/admin/allocations/ledgerentry/",
        "/admin/allocations/allocation/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        collect()

    assert seen == {"console": [], "violations": []}


def test_the_partner_config_admin_page_renders_under_the_policy(live_server, watched):
    """Issue 15: the partner config's change page (its currencies' filter_horizontal widget) broke the policy."""
    page, seen, collect = watched
    from tests.factories.partners import PartnerConfigFactory

    config = PartnerConfigFactory()
    MembershipFactory(user__username="staff", user__is_staff=True, user__is_superuser=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path in ["/admin/partners/partnerconfig/add/", f"/admin/partners/partnerconfig/{config.pk}/change/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        expect(page.locator(".selector-chooseall").first).to_be_visible()  # the widget's script ran
        collect()
    page.goto(f"{live_server.url}/admin/partners/partnerconfig/{config.pk}/history/")
    collect()

    assert seen == {"console": [], "violations": []}
