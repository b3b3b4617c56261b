"""The rules of the invitations app (invitations.services, .selectors, .delivery, .expiry), called directly:
creating, resending, inviting a partner, accepting, signing up, expiring and archiving."""

import hashlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

import invitations.delivery
import invitations.expiry
import invitations.selectors
import invitations.services
from config.errors import Forbidden, ValidationFailed
from invitations.errors import (
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationForSomeoneElse,
    InvitationNotFound,
    PartnerAlreadyConnected,
    PartnerEmailMissing,
)
from invitations.models import Invitation, InvitationEmail, InvitationStatus
from organizations.models import Membership, OrganizationConnection, OrganizationConnectionStatus, Role
from tests.factories.organizations import MembershipFactory, OrganizationConnectionFactory, OrganizationFactory
from tests.invitations.conftest import (
    guest_invitation,
    in_days,
    latest_token,
    member_invitation,
    partner_record,
)

pytestmark = pytest.mark.django_db


def fields_of(exc: ValidationFailed) -> set[str]:
    return {error.field for error in exc.errors}


# --- creating -----------------------------------------------------------------------------------------------------


def test_the_token_is_stored_hashed_and_only_the_email_row_carries_it_encrypted(host):
    invitation, token = guest_invitation(host)

    assert len(token) == 43  # secrets.token_urlsafe(32)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    column, table = InvitationEmail._meta.get_field("token").column, InvitationEmail._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (names from the model)
        (raw,) = cursor.fetchone()
    assert raw and token not in raw  # encrypted at rest


@pytest.mark.parametrize(
    ("email", "code"),
    [("", "required"), ("not-an-email", "invalid"), ("a@b", "invalid"), ("x" * 250 + "@example.com", "max_length")],
)
def test_a_bad_email_is_refused_on_email(host, email, code):
    with pytest.raises(ValidationFailed) as caught:
        invitations.services.guest_invitation_create(organization=host, email=email, expired_at=in_days(7))
    assert caught.value.errors[0].field == "email"
    assert caught.value.errors[0].code == code
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "expired_at",
    [
        pytest.param(lambda: timezone.now() - timedelta(seconds=1), id="past"),
        pytest.param(lambda: timezone.now() + timedelta(days=400), id="beyond-a-year"),
        pytest.param(lambda: datetime(2099, 1, 1), id="naive"),  # noqa: DTZ001
        pytest.param(lambda: None, id="missing"),
    ],
)
def test_the_expiry_must_be_in_the_future_and_within_a_year(host, expired_at):
    with pytest.raises(ValidationFailed) as caught:
        invitations.services.guest_invitation_create(organization=host, email="g@example.com", expired_at=expired_at())
    assert fields_of(caught.value) == {"expired_at"}


def test_every_bad_field_is_reported_at_once(host):
    with pytest.raises(ValidationFailed) as caught:
        invitations.services.guest_invitation_create(
            organization=host, email="nope", expired_at=in_days(-1), parent_organization=OrganizationFactory()
        )
    assert fields_of(caught.value) == {"email", "expired_at", "parent_organization_id"}


def test_the_parent_organization_is_the_organization_or_one_of_its_sub_organizations(host):
    child = OrganizationFactory(parent=host)
    grandchild = OrganizationFactory(parent=child)

    for parent in (host, child, grandchild.pk):
        invitation, _ = guest_invitation(host, parent_organization=parent)
        assert invitation.parent_organization_id in {host.pk, child.pk, grandchild.pk}

    for foreign in (
        OrganizationFactory(),
        OrganizationFactory(parent=OrganizationFactory()).pk,
        host.pk.__class__(int=1),
    ):
        with pytest.raises(ValidationFailed) as caught:
            guest_invitation(host, parent_organization=foreign)
        assert fields_of(caught.value) == {"parent_organization_id"}


def test_member_invitations_default_to_seven_days_and_only_owners_invite_owners(host):
    invitation, _ = member_invitation(host, role=Role.ADMIN, actor_role=Role.ADMIN)
    assert timedelta(days=6, hours=23) < invitation.expired_at - timezone.now() <= timedelta(days=7)

    with pytest.raises(Forbidden):
        member_invitation(host, role=Role.OWNER, actor_role=Role.ADMIN)
    with pytest.raises(Forbidden):
        member_invitation(host, role=Role.OWNER, actor_role=None)  # an API client
    assert member_invitation(host, role=Role.OWNER, actor_role=Role.OWNER)[0].role == Role.OWNER
    with pytest.raises(ValidationFailed) as caught:
        member_invitation(host, role="emperor")
    assert fields_of(caught.value) == {"role"}


# --- resending ----------------------------------------------------------------------------------------------------


def test_resend_makes_a_new_link_and_withdraws_the_unsent_email(host):
    invitation, first_token = guest_invitation(host)

    invitations.services.invitation_resend(invitation=invitation)

    second_token = latest_token(invitation)
    assert second_token != first_token
    invitation.refresh_from_db()
    assert invitation.token_hash == invitations.selectors.token_hash(second_token)
    first = InvitationEmail.objects.get(invitation=invitation, claimed_at__isnull=False)
    assert first.claimed_at is not None and first.sent_at is None and first.token is None
    assert first.last_error == "Superseded by a newer email."
    assert invitations.delivery.invitation_email_deliver(email_id=first.pk) is False  # withdrawn: never sent
    with pytest.raises(InvitationNotFound):
        invitations.services.invitation_accept(token=first_token, user=None)


def test_resend_is_refused_once_accepted_or_expired(host, invitee):
    accepted, token = guest_invitation(host)
    invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Guest Co")
    with pytest.raises(InvitationAlreadyAccepted):
        invitations.services.invitation_resend(invitation=accepted)

    expired, _ = guest_invitation(host, email="late@example.com", expired_at=timezone.now() + timedelta(minutes=1))
    with time_machine.travel(timezone.now() + timedelta(minutes=2)), pytest.raises(InvitationExpired):
        invitations.services.invitation_resend(invitation=expired)


# --- inviting a partner record ------------------------------------------------------------------------------------


def test_inviting_a_partner_sends_to_its_email_and_marks_it_invited(host):
    child = OrganizationFactory(parent=host)
    partner = partner_record(host, parent_organization=child)

    invitation = invitations.services.partner_invite(partner=partner)

    partner.refresh_from_db()
    assert partner.invitation_status == "invited"
    assert (invitation.email, invitation.partner_id, invitation.parent_organization_id) == (
        "ops@globex.example",
        partner.pk,
        child.pk,
    )


def test_a_partner_without_email_or_already_accepted_cannot_be_invited(host):
    with pytest.raises(PartnerEmailMissing):
        invitations.services.partner_invite(partner=partner_record(host, email=""))
    with pytest.raises(PartnerAlreadyConnected):
        invitations.services.partner_invite(
            partner=partner_record(host, invitation_status="accepted", guest_organization=OrganizationFactory())
        )
    assert not Invitation.objects.exists()


# --- accepting a guest invitation ---------------------------------------------------------------------------------


def test_accepting_connects_an_organization_the_user_owns(host, invitee):
    invitation, token = guest_invitation(host)
    guest = invitee.memberships.get().organization

    result = invitations.services.invitation_accept(token=token, user=invitee, organization=guest)

    assert result.organization == guest
    connection = OrganizationConnection.objects.get(host=host, guest=guest)
    assert connection.status == OrganizationConnectionStatus.CONNECTED and not connection.archived
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert (invitation.accepted_by, invitation.accepted_organization) == (invitee, guest)
    assert invitation.accepted_at is not None


def test_accepting_with_a_new_organization_makes_the_user_its_owner(host, invitee):
    _, token = guest_invitation(host)

    result = invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="  Globex Labs ")

    assert result.organization.name == "Globex Labs"
    assert Membership.objects.get(user=invitee, organization=result.organization).role == Role.OWNER
    assert OrganizationConnection.objects.filter(host=host, guest=result.organization).exists()


def test_the_sub_organization_that_invites_is_the_host(host, invitee):
    child = OrganizationFactory(parent=host)
    _, token = guest_invitation(host, parent_organization=child)

    result = invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")

    assert result.connection.host == child


def test_accepting_marks_the_partner_and_the_hosts_other_invited_records_with_that_email_accepted(host, invitee):
    partner = partner_record(host, email="Guest@Example.com")
    twin = partner_record(host, company_name="Globex (EU)", email="guest@example.com", invitation_status="invited")
    never_invited = partner_record(host, company_name="Globex (US)", email="guest@example.com")
    elsewhere = partner_record(OrganizationFactory(), email="guest@example.com", invitation_status="invited")
    invitations.services.partner_invite(partner=partner)
    token = latest_token(Invitation.objects.get(partner=partner))

    result = invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")

    for record in (partner, twin, never_invited, elsewhere):
        record.refresh_from_db()
    assert (partner.invitation_status, partner.guest_organization) == ("accepted", result.organization)
    assert (twin.invitation_status, twin.guest_organization) == ("accepted", result.organization)
    assert (never_invited.invitation_status, never_invited.guest_organization) == ("", None)
    assert (elsewhere.invitation_status, elsewhere.guest_organization) == ("invited", None)


def test_an_archived_or_disconnected_connection_is_restored(host, invitee):
    guest = invitee.memberships.get().organization
    OrganizationConnectionFactory(
        host=host, guest=guest, archived=True, status=OrganizationConnectionStatus.DISCONNECTED
    )
    _, token = guest_invitation(host)

    invitations.services.invitation_accept(token=token, user=invitee, organization=guest.pk)

    connection = OrganizationConnection.objects.get(host=host, guest=guest)
    assert connection.status == OrganizationConnectionStatus.CONNECTED and not connection.archived


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_only_an_owner_or_admin_connects_an_organization(host, invitee, role):
    other = MembershipFactory(user=invitee, role=role).organization
    _, token = guest_invitation(host)

    with pytest.raises(ValidationFailed) as caught:
        invitations.services.invitation_accept(token=token, user=invitee, organization=other)

    assert fields_of(caught.value) == {"organization_id"}
    assert not OrganizationConnection.objects.exists()


def test_an_organization_cannot_accept_its_own_invitation(host, invitee):
    MembershipFactory(user=invitee, organization=host, role=Role.ADMIN)
    _, token = guest_invitation(host)

    with pytest.raises(ValidationFailed) as caught:
        invitations.services.invitation_accept(token=token, user=invitee, organization=host)

    assert "cannot accept its own invitation" in caught.value.errors[0].msg
    assert Invitation.objects.get().status == InvitationStatus.SENT


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "organization_id"),
        ({"new_organization_name": "   "}, "organization_id"),
        ({"new_organization_name": "\u202eX"}, "new_organization_name"),
    ],
)
def test_the_choice_of_organization_is_checked(host, invitee, arguments, field):
    _, token = guest_invitation(host)
    with pytest.raises(ValidationFailed) as caught:
        invitations.services.invitation_accept(token=token, user=invitee, **arguments)
    assert fields_of(caught.value) == {field}


# --- tokens that cannot be used -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "x" * 5000, "\x00" * 43, "é" * 43, None])
def test_an_unknown_token(invitee, token):
    with pytest.raises(InvitationNotFound):
        invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="X")


def test_a_used_token(host, invitee):
    _, token = guest_invitation(host)
    invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")

    with pytest.raises(InvitationAlreadyAccepted):
        invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs 2")
    assert OrganizationConnection.objects.count() == 1


def test_an_expired_token_before_and_after_the_sweep(host, invitee):
    _, token = guest_invitation(host, expired_at=timezone.now() + timedelta(hours=1))

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        with pytest.raises(InvitationExpired):
            invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")
        assert invitations.expiry.invitations_expire() == 1
        assert invitations.expiry.invitations_expire() == 0
    assert Invitation.objects.get().status == InvitationStatus.EXPIRED
    with pytest.raises(InvitationExpired):
        invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")
    assert not OrganizationConnection.objects.exists()


def test_someone_elses_token_and_the_email_compared_without_case(host, invitee, stranger):
    _, token = guest_invitation(host, email="GUEST@example.COM")

    with pytest.raises(InvitationForSomeoneElse):
        invitations.services.invitation_accept(token=token, user=stranger, new_organization_name="Mallory Inc")
    assert invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")


def test_the_sweep_leaves_accepted_and_current_invitations(host, invitee):
    _, token = guest_invitation(host, expired_at=timezone.now() + timedelta(hours=1))
    invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")
    guest_invitation(host, email="later@example.com", expired_at=in_days(30))

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert invitations.expiry.invitations_expire() == 0
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["accepted", "sent"]


# --- member invitations -------------------------------------------------------------------------------------------


def test_accepting_a_member_invitation_makes_the_membership(host, stranger):
    _, token = member_invitation(host, email="mallory@example.com", role=Role.VIEWER)

    result = invitations.services.invitation_accept(token=token, user=stranger)

    assert result.membership.role == Role.VIEWER and not result.already_member
    assert Membership.objects.get(user=stranger, organization=host).role == Role.VIEWER
    assert Invitation.objects.get().status == InvitationStatus.ACCEPTED


def test_accepting_when_already_a_member_changes_nothing(host, stranger):
    MembershipFactory(user=stranger, organization=host, role=Role.ADMIN)
    _, token = member_invitation(host, email="mallory@example.com", role=Role.VIEWER)

    result = invitations.services.invitation_accept(token=token, user=stranger)

    assert result.already_member
    assert Membership.objects.get(user=stranger, organization=host).role == Role.ADMIN
    assert Invitation.objects.get().status == InvitationStatus.SENT


# --- signing up, archiving ----------------------------------------------------------------------------------------


def test_sign_up_takes_the_invitations_email(host, invitee):
    _, token = member_invitation(host, email="New.Person@example.com")

    user = invitations.services.invitation_sign_up(token=token, username="newperson", password="a long passphrase 2026")

    assert user.email == "New.Person@example.com"
    assert user.check_password("a long passphrase 2026")
    _, taken = guest_invitation(host)  # guest@example.com belongs to `invitee`
    with pytest.raises(ValidationFailed) as caught:
        invitations.services.invitation_sign_up(token=taken, username="gary2", password="a long passphrase 2026")
    assert "already exists" in caught.value.errors[0].msg
    with pytest.raises(InvitationNotFound):
        invitations.services.invitation_sign_up(token="nope" * 11, username="x", password="y")


def test_archive_and_restore_a_connection(host):
    connection = OrganizationConnectionFactory(host=host)

    assert invitations.services.organization_connection_archive(connection=connection, archived=True).archived is True
    assert invitations.services.organization_connection_archive(connection=connection, archived=False).archived is False
    with pytest.raises(ValidationFailed):
        invitations.services.organization_connection_archive(connection=connection, archived="yes")
