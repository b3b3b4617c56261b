"""Invitation pages: the list with its form (inline errors) and resend, the accept page for every kind of bad link,
signing up and accepting, member invitations, and the connected organizations page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

import invitations.services
from invitations.models import Invitation, InvitationStatus
from organizations.models import Membership, OrganizationConnection, Role
from tests.factories.organizations import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
)
from tests.invitations.conftest import guest_invitation, member_invitation, partner_record

pytestmark = pytest.mark.django_db

LIST = "/organizations/invitations"


@pytest.fixture
def host_owner(client, host):
    membership = MembershipFactory(organization=host, role=Role.OWNER, user__username="alice")
    client.force_login(membership.user)
    return membership


def accept_url(token: str) -> str:
    return reverse("invitation-accept", args=[token])


def test_the_list_shows_invitations_and_the_form_sends_one(client, host_owner, host):
    guest_invitation(host, email="first@example.com")
    member_invitation(host, email="member@example.com")

    page = client.get(LIST).text
    assert "first@example.com" in page and "member@example.com" in page
    response = client.post(LIST, {"email": "second@example.com", "expired_at": "2099-01-01"}, follow=False)
    assert response.status_code == 200  # a year at most: refused inline
    assert "An invitation can be valid for at most a year." in response.text
    assert 'value="second@example.com"' in response.text

    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    response = client.post(LIST, {"email": "second@example.com", "expired_at": day}, follow=True)
    assert "Invitation sent to second@example.com." in response.text
    assert Invitation.objects.filter(email="second@example.com", organization=host).exists()


def test_inline_errors_for_a_bad_email_and_a_past_day(client, host_owner):
    response = client.post(LIST, {"email": "nope", "expired_at": "2001-01-01"})
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert not Invitation.objects.exists()
    response = client.post(LIST, {"email": "ok@example.com", "expired_at": "2001-01-01"})
    assert "The expiry must be in the future." in response.text


def test_the_form_reports_every_error_at_once(client, host_owner):
    for email, message in (("nope", "Enter a valid email address."), ("", "This field is required.")):
        for day, expiry in (("2001-01-01", "The expiry must be in the future."), ("2099-01-01", "at most a year")):
            page = client.post(LIST, {"email": email, "expired_at": day}).text
            assert message in page and expiry in page, (email, day)
            assert 'id="id_email_error"' in page and 'id="id_expired_at_error"' in page
    assert not Invitation.objects.exists()


def test_the_expiry_defaults_to_a_week_and_the_picker_offers_the_days_allowed(client, host_owner):
    today = timezone.now().date()

    page = client.get(LIST).text

    assert f'value="{(today + timedelta(days=7)).isoformat()}"' in page
    assert f'min="{today.isoformat()}"' in page and f'max="{(today + timedelta(days=365)).isoformat()}"' in page
    # the last day offered is accepted
    day = (today + timedelta(days=365)).isoformat()
    response = client.post(LIST, {"email": "late@example.com", "expired_at": day}, follow=True)
    assert "Invitation sent to late@example.com." in response.text


def test_a_viewer_sees_the_list_but_cannot_send(client, host):
    viewer = MembershipFactory(organization=host, role=Role.VIEWER)
    client.force_login(viewer.user)
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, {"email": "x@example.com", "expired_at": "2099-01-01"}).status_code == 403


def test_resend_from_the_page_and_other_organizations_ids_are_404(client, host_owner, host):
    invitation, _ = guest_invitation(host)
    response = client.post(reverse("org-invitation-resend", args=[invitation.pk]), follow=True)
    assert "Invitation sent again to guest@example.com, with a new link." in response.text
    assert invitation.emails.count() == 2
    foreign, _ = guest_invitation(OrganizationFactory())
    assert client.post(reverse("org-invitation-resend", args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(
    ("setup", "status", "text"),
    [
        ("unknown", 404, "This invitation link is not valid"),
        ("used", 410, "This invitation has already been used"),
        ("expired", 410, "This invitation has expired"),
        ("someone else", 403, "This invitation is for someone else"),
    ],
)
def test_bad_links_get_a_clear_page(client, host, invitee, stranger, setup, status, text):
    _, token = guest_invitation(host)
    if setup == "unknown":
        token = "A" * 43
    elif setup == "used":
        invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")
    elif setup == "expired":
        Invitation.objects.update(expired_at=timezone.now() - timedelta(seconds=1))
    client.force_login(stranger if setup == "someone else" else invitee)

    response = client.get(accept_url(token))

    assert response.status_code == status
    assert text in response.text
    assert "Traceback" not in response.text
    assert (
        client.post(accept_url(token), {"organization_id": "new", "new_organization_name": "X"}).status_code == status
    )


def test_anonymous_visitors_sign_up_with_the_invitations_email_then_accept_with_a_new_organization(client, host):
    partner = partner_record(host, email="newcomer@example.com")
    invitations.services.partner_invite(partner=partner)
    token = Invitation.objects.get().emails.get().token

    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert "Create an account" in page.text and "Sign in" in page.text
    sign_up = reverse("invitation-sign-up", args=[token])
    weak = client.post(sign_up, {"username": "newcomer", "password1": "123", "password2": "123"})
    assert weak.status_code == 200 and "This password is too short" in weak.text
    response = client.post(
        sign_up, {"username": "newcomer", "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == accept_url(token)

    form = client.get(accept_url(token))
    assert "A new organization" in form.text
    missing = client.post(accept_url(token), {"organization_id": "new", "new_organization_name": ""})
    assert "Name the new organization." in missing.text
    done = client.post(
        accept_url(token), {"organization_id": "new", "new_organization_name": "Newcomer Ltd"}, follow=True
    )

    assert "Newcomer Ltd is now connected to Acme Exchange." in done.text
    guest = Membership.objects.get(user__username="newcomer").organization
    assert guest.name == "Newcomer Ltd"
    assert OrganizationConnection.objects.filter(host=host, guest=guest).exists()
    partner.refresh_from_db()
    assert (partner.invitation_status, partner.guest_organization) == ("accepted", guest)


def test_accepting_for_an_organization_one_only_views_is_refused_inline(client, host, invitee):
    viewer_of = MembershipFactory(user=invitee, role=Role.VIEWER, organization__name="Not Mine").organization
    _, token = guest_invitation(host)
    client.force_login(invitee)

    page = client.get(accept_url(token)).text
    mine = invitee.memberships.get(role=Role.OWNER).organization
    # only the organizations one owns or administers are offered
    assert f'type="radio" name="organization_id" value="{mine.pk}"' in page
    assert f'type="radio" name="organization_id" value="{viewer_of.pk}"' not in page
    response = client.post(accept_url(token), {"organization_id": str(viewer_of.pk)})
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert Invitation.objects.get().status == InvitationStatus.SENT


def test_a_member_invitation_is_accepted_with_one_button(client, host, stranger):
    _, token = member_invitation(host, email="mallory@example.com", role=Role.OPERATOR)
    client.force_login(stranger)

    assert "Join Acme Exchange" in client.get(accept_url(token)).text
    response = client.post(accept_url(token), follow=True)

    assert "You joined Acme Exchange as Operator." in response.text
    assert Membership.objects.get(user=stranger, organization=host).role == Role.OPERATOR


def test_the_connections_page_lists_guests_and_hosts_and_archives(client, host_owner, host):
    guest = OrganizationConnectionFactory(host=host, guest__name="Guest Co").guest
    OrganizationConnectionFactory(guest=host, host__name="Host Co")
    OrganizationConnectionFactory(host__name="Unrelated Host", guest__name="Unrelated Guest")

    page = client.get("/organizations/connections").text
    assert "Guest Co" in page and "Host Co" in page and "Unrelated" not in page
    url = reverse("org-connection-archive", args=[guest.pk])
    response = client.post(url, {"archived": "true"}, follow=True)
    assert "The connection to Guest Co is archived." in response.text
    assert OrganizationConnection.objects.get(guest=guest).archived
    other = OrganizationConnectionFactory().guest
    assert client.post(reverse("org-connection-archive", args=[other.pk]), {"archived": "true"}).status_code == 404
