"""The home page's figures and next steps, which the apps above organizations contribute (organizations/home.py)."""

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from allocations.services.funding import network_deposit
from invitations.models import Invitation, InvitationKind, InvitationStatus
from organizations.models import Role
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import (
    ApiClientFactory,
    LicenseFactory,
    MembershipFactory,
    OrganizationFactory,
    SigningKeyFactory,
)
from tests.factories.partners import CurrencyFactory, NetworkClientFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def figures(page: str) -> dict[str, str]:
    """The page's figures, label → value, as a reader sees them."""
    rows = re.findall(r"<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>\s*<td class=\"num\"><strong>([^<]*)</strong>", page)
    return {html.unescape(label): html.unescape(value) for label, value in rows}


def next_steps(page: str) -> str:
    start = page.index('id="next-title"')
    return html.unescape(page[start : page.index("</section>", start)])


def invitation(organization, *, kind=InvitationKind.GUEST, status=InvitationStatus.SENT, days=7, n=[0]):  # noqa: B006
    n[0] += 1
    return Invitation.objects.create(
        kind=kind,
        organization=organization,
        email=f"someone{n[0]}@example.com",
        role=Role.VIEWER if kind == InvitationKind.MEMBER else "",
        token_hash=f"{n[0]:064x}",
        status=status,
        expired_at=timezone.now() + timedelta(days=days),
        accepted_at=timezone.now() if status == InvitationStatus.ACCEPTED else None,
    )


@pytest.fixture
def owner(db):
    return MembershipFactory(role=Role.OWNER)


def test_a_new_organization_is_told_what_to_do_first(client, owner):
    client.force_login(owner.user)

    page = client.get("/").text

    steps = next_steps(page)
    assert "Add a signing key" in steps and 'href="/organizations/signing-keys"' in steps
    assert "Create an API client" in steps
    assert "Add your business partners" in steps and 'href="/partners/new"' in steps
    assert "network license, which the network's staff grant" in steps
    assert figures(page)["Network license"] == "None"
    assert "Balances" not in page  # no license: no balances section


def test_next_steps_follow_the_network_state(client, owner):
    organization = owner.organization
    SigningKeyFactory(organization=organization)
    ApiClientFactory(organization=organization)
    OrganizationPartnerFactory(organization=organization, email="")
    LicenseFactory(organization=organization)
    client.force_login(owner.user)

    steps = next_steps(client.get("/").text)
    assert "Create your network client" in steps
    assert "signing key" not in steps and "API client" not in steps and "business partners" not in steps

    NetworkClientFactory(enterprise=organization)
    page = client.get("/").text
    assert "Connect to a partner" in next_steps(page) and 'href="/network/partners"' in next_steps(page)
    assert "No funds yet" in page


def test_partner_records_by_invitation_status_and_the_invitations_waiting(client, owner):
    organization = owner.organization
    OrganizationPartnerFactory.create_batch(2, organization=organization)  # not invited, with an email
    OrganizationPartnerFactory(organization=organization, email="")  # not invited, nobody to invite
    OrganizationPartnerFactory(organization=organization, invitation_status="invited")
    OrganizationPartnerFactory(organization=organization, invitation_status="accepted")
    OrganizationPartnerFactory()  # another organization's
    invitation(organization)
    invitation(organization)
    invitation(organization, kind=InvitationKind.MEMBER)
    invitation(organization, days=-1)  # sent, past its expiry: not waiting any more
    invitation(organization, status=InvitationStatus.ACCEPTED)
    invitation(OrganizationFactory())
    client.force_login(owner.user)

    page = client.get("/").text

    shown = figures(page)
    assert (shown["Partner records"], shown["Not invited"], shown["Invited, waiting"], shown["Accepted"]) == (
        "5",
        "3",
        "1",
        "1",
    )
    assert shown["Guest invitations waiting for an answer"] == "2"
    assert shown["Member invitations waiting"] == "1"
    assert 'href="/partners?invitation_statuses=none"' in page
    steps = next_steps(page)
    assert "2 partner records have an email but no invitation yet" in steps
    assert "1 invitation expired unanswered" in steps


def test_a_viewer_sees_the_figures_but_no_step_it_cannot_take(client, owner):
    viewer = MembershipFactory(organization=owner.organization, role=Role.VIEWER)
    OrganizationPartnerFactory(organization=owner.organization)
    invitation(owner.organization, days=-1)
    client.force_login(viewer.user)

    page = client.get("/").text

    assert figures(page)["Partner record"] == "1"
    assert "Member invitations waiting" not in page  # member invitations are the managers' business
    assert "Nothing waits for you here" in next_steps(page)


def test_balances_are_in_whole_units_per_currency(client, owner):
    organization = owner.organization
    LicenseFactory(organization=organization)
    network_client = NetworkClientFactory(enterprise=organization)
    btc = CurrencyFactory(code="hbtc", decimals=8)
    eth = CurrencyFactory(code="heth", decimals=18)
    network_deposit(client=network_client, currency=btc, amount=150_000_000, memo="test")
    network_deposit(client=network_client, currency=eth, amount=12_345_678 * 10**15 + 1, memo="test")
    client.force_login(owner.user)

    page = client.get("/").text

    assert '<td class="num nowrap">1.5 hbtc</td>' in page
    assert '<td class="num nowrap">12,345.678000000000000001 heth</td>' in page  # exact, never a float
    assert "allocate to a partner from one of your connections" in next_steps(page)


def test_the_home_page_costs_the_same_queries_with_more_rows(client, owner):
    organization = owner.organization
    LicenseFactory(organization=organization)
    network_client = NetworkClientFactory(enterprise=organization)
    client.force_login(owner.user)

    def add_rows(n: int) -> None:
        for _ in range(n):
            OrganizationPartnerFactory(organization=organization)
            invitation(organization)
            network_deposit(client=network_client, currency=CurrencyFactory(decimals=6), amount=10**6, memo="test")

    assert_constant_queries(
        lambda: client.get("/"), add_rows, lambda response: int(figures(response.text)["Partner records"])
    )
