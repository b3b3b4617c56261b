"""In a real browser: a member imports a CSV of partners with one bad row, sees that row's error with its column,
fixes the file, uploads it again, applies, and sees the partners listed."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from organization_partners.models import OrganizationPartner
from organizations.models import Role
from tests.e2e.test_network_pages import sign_in
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import MembershipFactory
from tests.organization_partners.pages.conftest import csv_bytes, csv_row

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(tempfile.gettempdir())


def choose_file(page, content: bytes) -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "partners.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_import_a_csv_with_a_bad_row_fix_it_and_apply(live_server, page):
    member = MembershipFactory(role=Role.OPERATOR, user__username="olivia", organization__name="Acme Exchange")
    rows = [csv_row(1, company_name="Initech Components", code="S-1"), csv_row(2, company_name="Umbrella Retail")]

    sign_in(page, live_server.url, "olivia")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Partners").click()
    page.get_by_role("link", name="Import CSV").click()

    rows[1]["email"] = "not-an-email"
    choose_file(page, csv_bytes(rows))
    report = page.get_by_test_id("import-rows")
    bad = report.locator("tr[data-line='3']")
    expect(bad).to_contain_text("email: Enter a valid email address.")
    expect(report.locator("tr[data-line='2']")).to_contain_text("Create")
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)
    page.screenshot(path=SCREENSHOTS / "e2e_partner_import_errors.png", full_page=True)
    assert not OrganizationPartner.objects.exists()

    rows[1]["email"] = "buyers@umbrella.example"
    choose_file(page, csv_bytes(rows))
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 rows: 2 to create, 0 to update")
    page.get_by_role("button", name="Apply the import").click()

    expect(page.get_by_text("Imported: 2 partner(s) created, 0 updated, 0 unchanged.")).to_be_visible()
    listed = page.get_by_test_id("partners")
    expect(listed).to_contain_text("Initech Components")
    expect(listed).to_contain_text("Umbrella Retail")
    expect(listed.locator("tbody tr")).to_have_count(2)
    expect(listed.get_by_test_id("invitation-status").first).to_have_text("Not invited")
    page.screenshot(path=SCREENSHOTS / "e2e_partner_import_applied.png", full_page=True)
    assert OrganizationPartner.objects.filter(organization=member.organization).count() == 2


def test_importing_the_export_twice_duplicates_nothing(live_server, page):
    """Issue 15: rows without a code used to create a new record at every import of the page's own export."""
    member = MembershipFactory(role=Role.OPERATOR, user__username="olivia", organization__name="Acme Exchange")
    OrganizationPartnerFactory(organization=member.organization, company_name="Umbrella Retail", code="")
    OrganizationPartnerFactory(organization=member.organization, company_name="Initech Components", code="S-1")

    sign_in(page, live_server.url, "olivia")
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Partners").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_bytes()

    for attempt in (1, 2):
        page.get_by_role("link", name="Import CSV").click()
        choose_file(page, exported)
        expect(page.get_by_test_id("import-summary")).to_contain_text("2 rows: 0 to create, 0 to update, 2 unchanged")
        expect(page.get_by_test_id("import-rows").locator("tr[data-line='2'], tr[data-line='3']")).to_have_count(2)
        expect(page.get_by_test_id("import-rows")).to_contain_text("(found by email)")
        page.screenshot(path=SCREENSHOTS / f"e2e_partner_reimport_{attempt}.png", full_page=True)
        page.get_by_role("button", name="Apply the import").click()
        expect(page.get_by_text("Imported: 0 partner(s) created, 0 updated, 2 unchanged.")).to_be_visible()
        expect(page.get_by_test_id("partners").locator("tbody tr")).to_have_count(2)
    assert OrganizationPartner.objects.filter(organization=member.organization).count() == 2
