"""Staff admin of invitations: list and detail load (token hash read-only, the emails' tokens never shown), no add,
and the resend action goes through the service (a new link; accepted ones are refused with a message)."""

import pytest
from django.urls import reverse

import invitations.services
from tests.factories.organizations import UserFactory
from tests.invitations.conftest import guest_invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_list_detail_and_no_add(staff_client, host):
    invitation, token = guest_invitation(host)

    listing = staff_client.get(reverse("admin:invitations_invitation_changelist") + "?status__exact=sent&q=guest")
    assert listing.status_code == 200 and "guest@example.com" in listing.text
    detail = staff_client.get(reverse("admin:invitations_invitation_change", args=[invitation.pk]))
    assert detail.status_code == 200
    assert invitation.token_hash in detail.text
    assert token not in detail.text
    assert staff_client.get(reverse("admin:invitations_invitation_add")).status_code == 403


def test_the_resend_action(staff_client, host, invitee):
    pending, _ = guest_invitation(host, email="pending@example.com")
    accepted, token = guest_invitation(host)
    invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")

    response = staff_client.post(
        reverse("admin:invitations_invitation_changelist"),
        {"action": "resend", "_selected_action": [str(pending.pk), str(accepted.pk)]},
        follow=True,
    )

    assert "1 invitation(s) sent again." in response.text
    assert "has already been accepted" in response.text
    assert pending.emails.count() == 2
    assert accepted.emails.count() == 1
