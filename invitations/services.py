"""Invitations by email and the organization connections they make: the writes (reads: invitations.selectors).

Two kinds (invitations.models.InvitationKind): GUEST invites an email address to connect an organization to the
inviting one as its guest (optionally for one of its partner records); MEMBER invites an email address to join the
organization with a role. Nobody becomes a member or a guest without accepting, and inviting answers the same
whether or not the address has an account.

Tokens: `secrets.token_urlsafe(32)`, in the email's link only. The invitation keeps its sha256 (`token_hash`); the
email row that carries it to the worker keeps it encrypted at rest (config.crypto) until the email is sent, then
erases it. A resend makes a new token (the earlier links stop working): the server never holds a token it could
send again.

Each email is sent after commit by the Celery task `invitations.tasks.invitation_email_send` (enqueued here), which
calls invitations.delivery: nothing there imports this module back.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.errors import FieldError, ValidationFailed
from config.validators import clean_display_name
from invitations.errors import (
    InvitationAlreadyAccepted,
    InvitationExpired,
    PartnerAlreadyConnected,
    PartnerEmailMissing,
)
from invitations.models import Invitation, InvitationEmail, InvitationKind, InvitationStatus
from invitations.selectors import (
    CONNECTING_ROLES,
    invitation_for_token,
    invitation_is_expired,
    invitation_usable,
    token_hash,
)
from invitations.tasks import invitation_email_send
from organization_partners.models import OrganizationPartner, PartnerInvitationStatus
from organizations.models import Membership, Organization, OrganizationConnection, OrganizationConnectionStatus, Role
from organizations.selectors import organization_is_within
from organizations.services import organization_create, require_owner_for_owner_role

User = get_user_model()

INVITATION_DEFAULT_LIFETIME = timedelta(days=7)
INVITATION_MAX_LIFETIME = timedelta(days=366)
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationFailed.single("email", "Enter an email address.", "required")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationFailed.single(
            "email", f"An email address has at most {EMAIL_MAX_LENGTH} characters.", "max_length"
        )
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.single("email", "Enter a valid email address.", "invalid") from None
    return email


def invitation_expiry_errors(expired_at: datetime | None) -> list[FieldError]:
    """What is wrong with an invitation's expiry (nothing: []). The invitation form checks it beside its other fields,
    so that a page shows every error at once in the service's words."""
    if expired_at is None:
        return [FieldError("expired_at", "Say when the invitation expires.", "required")]
    if timezone.is_naive(expired_at):
        return [FieldError("expired_at", "Give the expiry with a time zone (e.g. 2030-01-31T12:00:00Z).", "invalid")]
    now = timezone.now()
    if expired_at <= now:
        return [FieldError("expired_at", "The expiry must be in the future.", "min_value")]
    if expired_at > now + INVITATION_MAX_LIFETIME:
        return [FieldError("expired_at", "An invitation can be valid for at most a year.", "max_value")]
    return []


def _resolve_parent(organization: Organization, parent) -> Organization | None:
    if parent is None:
        return None
    if not isinstance(parent, Organization):
        parent = Organization.objects.filter(pk=parent).first()
    if parent is None or not organization_is_within(organization=organization, candidate=parent):
        raise ValidationFailed.single(
            "parent_organization_id",
            "Choose this organization or one of its sub-organizations.",
            "invalid_choice",
        )
    return parent


def _email_request(invitation: Invitation, token: str) -> InvitationEmail:
    """A new email for the invitation, sent by the task once this transaction commits. Emails still waiting carry
    a link the new token replaces: they are withdrawn (claimed as superseded, never sent)."""
    InvitationEmail.objects.filter(invitation=invitation, claimed_at__isnull=True, sent_at__isnull=True).update(
        claimed_at=timezone.now(), token=None, last_error="Superseded by a newer email."
    )
    email = InvitationEmail.objects.create(invitation=invitation, token=token)
    # robust: a broker that is down must not turn the committed request into an error; the row stays unsent (the
    # admin shows it, and a resend makes a new one).
    transaction.on_commit(partial(invitation_email_send.delay, str(email.pk)), robust=True)
    return email


def _invitation_create(*, organization: Organization, email: str, **fields) -> Invitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization, email=email, token_hash=token_hash(token), **fields
    )
    _email_request(invitation, token)
    return invitation


@transaction.atomic
def guest_invitation_create(
    *,
    organization: Organization,
    email: str,
    expired_at: datetime,
    parent_organization: Organization | uuid.UUID | None = None,
    partner: OrganizationPartner | None = None,
    invited_by=None,
) -> Invitation:
    """Invites `email` to connect an organization to `organization` as its guest; the email goes out after commit.

    `parent_organization` (the organization itself or one of its sub-organizations) is the one that invites and
    becomes the host of the connection; `partner` is the partner record the invitation is for.
    """
    errors: list[FieldError] = []
    try:
        email = _clean_email(email)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    errors.extend(invitation_expiry_errors(expired_at))
    try:
        parent_organization = _resolve_parent(organization, parent_organization)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if partner is not None and partner.organization_id != organization.pk:
        errors.append(FieldError("partner_id", "The partner belongs to another organization.", "invalid"))
    if errors:
        raise ValidationFailed(errors)
    return _invitation_create(
        organization=organization,
        email=email,
        kind=InvitationKind.GUEST,
        expired_at=expired_at,
        parent_organization=parent_organization,
        partner=partner,
        invited_by=invited_by,
    )


@transaction.atomic
def member_invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    actor_role: str | None,
    invited_by=None,
    expired_at: datetime | None = None,
) -> Invitation:
    """Invites `email` to join `organization` with `role` (default expiry: 7 days). The answer is the same whether
    or not the address has an account: no user is looked up here. Only an owner may invite to the owner role."""
    errors: list[FieldError] = []
    if role not in Role.values:
        errors.append(FieldError("role", f"'{role}' is not a valid role.", "invalid_choice"))
    try:
        email = _clean_email(email)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    expired_at = expired_at or timezone.now() + INVITATION_DEFAULT_LIFETIME
    errors.extend(invitation_expiry_errors(expired_at))
    if errors:
        raise ValidationFailed(errors)
    require_owner_for_owner_role(actor_role=actor_role, touches_owner=role == Role.OWNER)
    return _invitation_create(
        organization=organization,
        email=email,
        kind=InvitationKind.MEMBER,
        role=role,
        expired_at=expired_at,
        invited_by=invited_by,
    )


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Sends the invitation again with a new link (the earlier links stop working). 409 once accepted or expired."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationAlreadyAccepted("This invitation has already been accepted: there is nothing to resend.")
    if invitation_is_expired(invitation):
        raise InvitationExpired("This invitation has expired: create a new one instead.")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash", "updated_at"])
    _email_request(invitation, token)
    return invitation


@transaction.atomic
def partner_invite(*, partner: OrganizationPartner, expired_at: datetime | None = None, invited_by=None) -> Invitation:
    """A guest invitation to the partner record's email, from the record's organization (its `parent_organization`
    invites when set); the record's `invitation_status` becomes `invited`. 422 without an email, 409 once it has
    accepted."""
    partner = OrganizationPartner.objects.select_for_update().select_related("organization").get(pk=partner.pk)
    if partner.invitation_status == PartnerInvitationStatus.ACCEPTED:
        raise PartnerAlreadyConnected()
    if not partner.email:
        raise PartnerEmailMissing()
    invitation = guest_invitation_create(
        organization=partner.organization,
        email=partner.email,
        expired_at=expired_at or timezone.now() + INVITATION_DEFAULT_LIFETIME,
        parent_organization=partner.parent_organization,
        partner=partner,
        invited_by=invited_by,
    )
    OrganizationPartner.objects.filter(pk=partner.pk).update(
        invitation_status=PartnerInvitationStatus.INVITED, updated_at=timezone.now()
    )
    return invitation


@dataclass(frozen=True)
class AcceptResult:
    invitation: Invitation
    organization: Organization  # the guest organization connected, or the organization joined
    connection: OrganizationConnection | None = None
    membership: Membership | None = None
    already_member: bool = False


def _guest_organization(*, user, organization, new_organization_name: str | None) -> Organization:
    name = (new_organization_name or "").strip()
    if organization is not None and name:
        raise ValidationFailed.single(
            "new_organization_name", "Choose one of your organizations or name a new one, not both.", "invalid"
        )
    if organization is None and not name:
        raise ValidationFailed.single(
            "organization_id", "Choose one of your organizations, or name a new one to create.", "required"
        )
    if name:
        name = clean_display_name("new_organization_name", name)
        if len(name) > Organization._meta.get_field("name").max_length:
            raise ValidationFailed.single("new_organization_name", "The name is too long.", "max_length")
        return organization_create(name=name, owner=user)
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id, role__in=CONNECTING_ROLES)
        .first()
    )
    if membership is None:
        raise ValidationFailed.single(
            "organization_id", "Choose one of your organizations where you are an owner or admin.", "invalid_choice"
        )
    return membership.organization


def _accept_guest(invitation: Invitation, *, user, organization, new_organization_name, now) -> AcceptResult:
    host = invitation.parent_organization or invitation.organization
    if organization is not None:
        chosen_id = organization.pk if isinstance(organization, Organization) else organization
        if str(chosen_id) in {str(host.pk), str(invitation.organization_id)}:
            raise ValidationFailed.single(
                "organization_id", "An organization cannot accept its own invitation: choose another one.", "invalid"
            )
    guest = _guest_organization(user=user, organization=organization, new_organization_name=new_organization_name)
    connection, created = OrganizationConnection.objects.select_for_update().get_or_create(host=host, guest=guest)
    if not created and (connection.status != OrganizationConnectionStatus.CONNECTED or connection.archived):
        connection.status, connection.archived = OrganizationConnectionStatus.CONNECTED, False
        connection.save(update_fields=["status", "archived", "updated_at"])
    OrganizationPartner.objects.filter(organization=invitation.organization).filter(
        Q(pk=invitation.partner_id)
        | Q(email__iexact=invitation.email, invitation_status=PartnerInvitationStatus.INVITED)
    ).update(invitation_status=PartnerInvitationStatus.ACCEPTED, guest_organization=guest, updated_at=now)
    _mark_accepted(invitation, user=user, organization=guest, now=now)
    return AcceptResult(invitation=invitation, organization=guest, connection=connection)


def _accept_member(invitation: Invitation, *, user, now) -> AcceptResult:
    organization = invitation.organization
    existing = Membership.objects.filter(organization=organization, user=user).first()
    if existing is not None:
        # Nothing to do, and nothing changes: the invitation stays as it is (it expires in time).
        return AcceptResult(invitation=invitation, organization=organization, membership=existing, already_member=True)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=organization, user=user, role=invitation.role)
    except IntegrityError:  # the same person accepted another invitation at the same moment
        membership = Membership.objects.get(organization=organization, user=user)
        return AcceptResult(
            invitation=invitation, organization=organization, membership=membership, already_member=True
        )
    _mark_accepted(invitation, user=user, organization=organization, now=now)
    return AcceptResult(invitation=invitation, organization=organization, membership=membership)


def _mark_accepted(invitation: Invitation, *, user, organization: Organization, now: datetime) -> None:
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at, invitation.accepted_by, invitation.accepted_organization = now, user, organization
    invitation.save(update_fields=["status", "accepted_at", "accepted_by", "accepted_organization", "updated_at"])


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user,
    organization: Organization | uuid.UUID | None = None,
    new_organization_name: str | None = None,
) -> AcceptResult:
    """Accepts the invitation whose link holds `token`, for `user` (whose email must be the invitation's).

    GUEST: `organization` (one of the user's, where they are owner or admin) or a new one named
    `new_organization_name` (the user its owner) becomes the inviter's connected guest (a disconnected or archived
    connection is restored); the invitation's partner record and the inviter's other records with that email still
    `invited` become `accepted` with that guest organization. MEMBER: the user joins with the invited role (already
    a member: nothing changes, `already_member`). The invitation row is locked, so two accepts cannot both succeed.
    """
    now = timezone.now()
    invitation = invitation_usable(invitation_for_token(token, lock=True), user, now)
    if invitation.kind == InvitationKind.MEMBER:
        return _accept_member(invitation, user=user, now=now)
    return _accept_guest(
        invitation, user=user, organization=organization, new_organization_name=new_organization_name, now=now
    )


@transaction.atomic
def invitation_sign_up(*, token: str, username: str, password: str):
    """A new account for the person an invitation was sent to, with the invitation's email (the link proves they
    read that mailbox). The form has checked the username and the password's strength."""
    invitation = invitation_usable(invitation_for_token(token), None, timezone.now())
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise _email_taken()
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=invitation.email, password=password)
    except IntegrityError:
        # Two sign-ups at once: the database's one-account-per-email index (organizations 0009) or the username's
        # decided; say which.
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise _email_taken() from None
        raise ValidationFailed.single("username", "That username is taken.", "exists") from None


def _email_taken() -> ValidationFailed:
    return ValidationFailed.single(
        "email", "An account with this email address already exists: sign in instead.", "exists"
    )


@transaction.atomic
def organization_connection_archive(*, connection: OrganizationConnection, archived: bool) -> OrganizationConnection:
    """Archives (or restores) a host's connection to a guest: an archived connection gives no Host/Guest access."""
    if not isinstance(archived, bool):
        raise ValidationFailed.single("archived", "Must be true or false.", "invalid")
    OrganizationConnection.objects.filter(pk=connection.pk).update(archived=archived, updated_at=timezone.now())
    connection.refresh_from_db(fields=["archived", "updated_at"])
    return connection
