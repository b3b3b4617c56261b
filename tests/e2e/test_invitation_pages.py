"""In a real browser: a host invites an email address on the invitations page; the invitee opens the link from the
email, signs up, creates their organization and accepts; the host sees the invitation accepted, the organization
connected, and its partner record with that address accepted."""

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app
from organization_partners.models import OrganizationPartner
from organizations.models import Role
from tests.e2e.test_network_pages import sign_in
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def emails_sent_in_process(settings, live_server):
    """The live server sends invitation emails itself (no worker), into Django's outbox, with links to itself."""
    settings.PUBLIC_BASE_URL = live_server.url
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    mail.outbox = []
    yield
    app.conf.task_always_eager = eager


def test_invite_sign_up_accept_and_see_it_connected(live_server, browser, emails_sent_in_process):
    alice = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    partner = OrganizationPartner.objects.create(
        organization=alice.organization, company_name="Globex", email="gary@globex.example", invitation_status="invited"
    )

    host = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    host.set_default_timeout(15_000)
    sign_in(host, live_server.url, "alice")
    host.get_by_role("navigation", name="Organization").get_by_role("link", name="Invitations").click()
    host.get_by_label("Email").fill("gary@globex.example")
    host.get_by_label("Valid until (UTC)").fill((timezone.now() + timedelta(days=10)).date().isoformat())
    host.get_by_role("button", name="Send invitation").click()
    expect(host.get_by_text("Invitation sent to gary@globex.example.")).to_be_visible()
    row = host.get_by_test_id("guest-invitations").locator("tbody tr").first
    expect(row.get_by_test_id("status")).to_have_text("Sent")

    (message,) = mail.outbox
    html = message.alternatives[0].content
    (link,) = set(re.findall(rf"{re.escape(live_server.url)}/invitations/accept/[A-Za-z0-9_-]+", message.body))
    assert link in html

    guest = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    guest.set_default_timeout(15_000)
    guest.goto(link)
    expect(guest.get_by_test_id("invitation-summary")).to_contain_text("Acme Exchange")
    guest.get_by_role("link", name="Create an account").click()
    guest.get_by_label("Username").fill("gary")
    guest.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    guest.get_by_label("Password confirmation").fill(DEFAULT_PASSWORD)
    guest.get_by_role("button", name="Create the account").click()
    guest.get_by_role("radio", name="A new organization").check()
    guest.get_by_label("Name of the new organization").fill("Globex Trading")
    guest.get_by_role("button", name="Accept the invitation").click()
    expect(guest.get_by_text("Globex Trading is now connected to Acme Exchange.")).to_be_visible()
    expect(guest.get_by_test_id("host-connections")).to_contain_text("Acme Exchange")

    host.reload()
    expect(row.get_by_test_id("status")).to_have_text("Accepted")
    host.get_by_role("link", name="Connected organizations").first.click()
    expect(host.get_by_test_id("guest-connections")).to_contain_text("Globex Trading")
    partner.refresh_from_db()
    assert partner.invitation_status == "accepted"
    assert partner.guest_organization.name == "Globex Trading"
    host.context.close()
    guest.context.close()


def test_invite_a_partner_from_its_record_and_see_its_status_change(live_server, browser, emails_sent_in_process):
    """The partners page's Invite button: the record turns Invited; the partner's contact accepts as a user who
    already has an organization; the record turns Accepted on the same page."""
    alice = MembershipFactory(role=Role.OWNER, user__username="alice", organization__name="Acme Exchange")
    gary = MembershipFactory(role=Role.OWNER, user__username="gary", organization__name="Globex Trading")
    gary.user.email = "gary@globex.example"
    gary.user.save()
    OrganizationPartnerFactory(organization=alice.organization, company_name="Globex", email="gary@globex.example")

    host = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    host.set_default_timeout(15_000)
    sign_in(host, live_server.url, "alice")
    host.get_by_role("navigation", name="Organization").get_by_role("link", name="Partners").click()
    status = (
        host.get_by_test_id("partners")
        .locator("tbody tr")
        .filter(has_text="Globex")
        .get_by_test_id("invitation-status")
    )
    expect(status).to_have_text("Not invited")
    host.get_by_role("button", name="Invite Globex").click()
    expect(host.get_by_text("Invitation sent to gary@globex.example")).to_be_visible()
    expect(status).to_have_text("Invited")

    (message,) = mail.outbox
    (link,) = set(re.findall(rf"{re.escape(live_server.url)}/invitations/accept/[A-Za-z0-9_-]+", message.body))
    guest = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    guest.set_default_timeout(15_000)
    sign_in(guest, live_server.url, "gary")
    guest.goto(link)
    guest.get_by_role("radio", name="Globex Trading").check()
    guest.get_by_role("button", name="Accept the invitation").click()
    expect(guest.get_by_text("Globex Trading is now connected to Acme Exchange.")).to_be_visible()
    guest.context.close()

    host.reload()
    expect(status).to_have_text("Accepted")
    expect(host.get_by_role("button", name="Invite Globex")).to_have_count(0)
    host.screenshot(path=Path(tempfile.gettempdir()) / "e2e_partner_invited.png", full_page=True)
    host.context.close()
