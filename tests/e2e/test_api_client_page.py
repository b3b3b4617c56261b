"""In a real browser: sign in, create an API client, use its secret once shown, and never see it again."""

import json
import re
import tempfile
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from organizations.models import ApiClient, Role
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory

pytestmark = pytest.mark.e2e

# For a human look at the pages (never committed): the system temp directory, /tmp here.
SCREENSHOTS = Path(tempfile.gettempdir())


def exchange(base_url: str, client_id: str, client_secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the live server's own http URL
        f"{base_url}/api/v1/oauth2/token",
        data=json.dumps({"client_id": client_id, "client_secret": client_secret}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_create_an_api_client_and_see_its_secret_once(live_server, page):
    membership = MembershipFactory(role=Role.OWNER, user__username="olivia", organization__name="Acme Trading")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Trading")
    expect(page.locator("#organization-id")).to_have_text(str(membership.organization_id))
    page.screenshot(path=SCREENSHOTS / "e2e_home.png", full_page=True)

    page.get_by_role("navigation", name="Organization").get_by_role("link", name="API clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API clients")
    page.get_by_label("Name").fill("ERP sync")
    page.get_by_label("Read partners").check()
    page.get_by_label("Create and change partners").check()
    page.get_by_role("button", name="Create API client").click()

    expect(page.get_by_text("API client “ERP sync” created.")).to_be_visible()
    secret = page.locator("#new-client-secret").inner_text().strip()
    client_id = page.locator("#new-client-id").inner_text().strip()
    assert secret
    assert client_id.startswith("pnc_")
    page.screenshot(path=SCREENSHOTS / "e2e_api_clients.png", full_page=True)

    status, body = exchange(live_server.url, client_id, secret)
    assert status == 200
    assert body["access_token"]
    assert body["token_type"] == "Bearer"
    assert ApiClient.objects.get(client_id=client_id).permissions == ["READ_PARTNER", "WRITE_PARTNER"]

    page.reload()
    expect(page.get_by_role("cell", name=client_id)).to_be_visible()
    expect(page.locator("#new-client-secret")).to_have_count(0)
    assert secret not in page.content()
