"""Helpers of the invitation tests: invitations made through the services, with the token their email carries."""

from datetime import timedelta

import pytest
from django.utils import timezone

import invitations.services
from invitations.models import InvitationEmail
from organization_partners.models import OrganizationPartner
from organizations.models import Role
from tests.factories.organizations import MembershipFactory, OrganizationFactory, UserFactory


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


def latest_token(invitation) -> str:
    """The token of the invitation's email waiting to be sent (kept encrypted on the row until then); a resend
    withdraws the earlier waiting one, so there is one at most."""
    return InvitationEmail.objects.get(invitation=invitation, claimed_at__isnull=True).token


def guest_invitation(organization, email="guest@example.com", **kwargs):
    kwargs.setdefault("expired_at", in_days(7))
    invitation = invitations.services.guest_invitation_create(organization=organization, email=email, **kwargs)
    return invitation, latest_token(invitation)


def member_invitation(organization, email="new.member@example.com", role=Role.OPERATOR, **kwargs):
    kwargs.setdefault("actor_role", Role.OWNER)
    invitation = invitations.services.member_invitation_create(
        organization=organization, email=email, role=role, **kwargs
    )
    return invitation, latest_token(invitation)


def partner_record(organization, **fields):
    fields.setdefault("company_name", "Globex Trading")
    fields.setdefault("email", "ops@globex.example")
    return OrganizationPartner.objects.create(organization=organization, **fields)


@pytest.fixture
def host(db):
    return OrganizationFactory(name="Acme Exchange")


@pytest.fixture
def invitee(db):
    """A user with the invited address who owns an organization of their own."""
    membership = MembershipFactory(
        role=Role.OWNER, user__email="guest@example.com", user__username="gary", organization__name="Globex Trading"
    )
    return membership.user


@pytest.fixture
def stranger(db):
    return UserFactory(username="mallory", email="mallory@example.com")
