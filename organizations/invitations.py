"""Invitations by email and the organization connections they make: services (writes) and selectors (reads).

Two kinds (organizations.models.InvitationKind): GUEST invites an email address to connect an organization to the
inviting one as its guest (optionally for one of its partner records); MEMBER invites an email address to join the
organization with a role. Nobody becomes a member or a guest without accepting, and inviting answers the same
whether or not the address has an account.

Tokens: `secrets.token_urlsafe(32)`, in the email's link only. The invitation keeps its sha256 (`token_hash`); the
email row that carries it to the worker keeps it encrypted at rest (config.crypto) until the email is sent, then
erases it. A resend makes a new token (the earlier links stop working): the server never holds a token it could
send again.

Email delivery (`invitation_email_deliver`, run by the Celery task `organizations.tasks.invitation_email_send`) is
at most once per request: the row is claimed in its own committed transaction before the SMTP conversation, so a
redelivered task (a worker lost mid-send) finds it claimed and sends nothing. A transient SMTP failure releases the
claim and the task retries with backoff.
"""

import hashlib
import logging
import re
import secrets
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.errors import FieldError, ValidationFailed
from config.validators import clean_display_name
from organizations.errors import (
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationForSomeoneElse,
    InvitationNotFound,
    PartnerAlreadyConnected,
    PartnerEmailMissing,
)
from organizations.models import (
    Invitation,
    InvitationEmail,
    InvitationKind,
    InvitationStatus,
    Membership,
    Organization,
    OrganizationConnection,
    OrganizationConnectionStatus,
    OrganizationPartner,
    PartnerInvitationStatus,
    Role,
)
from organizations.services import _require_owner_for_owner_role, organization_create

logger = logging.getLogger(__name__)
User = get_user_model()

INVITATION_DEFAULT_LIFETIME = timedelta(days=7)
INVITATION_MAX_LIFETIME = timedelta(days=366)
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length
# What `secrets.token_urlsafe(32)` makes (43 characters); anything else cannot be a token and is not even hashed.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# Roles that may connect an organization to another one (accept a guest invitation for it).
CONNECTING_ROLES = (Role.OWNER, Role.ADMIN)
# A parent chain longer than this is not walked (sub-organizations are a few levels deep).
_MAX_ORGANIZATION_DEPTH = 32


class EmailDeliveryFailed(Exception):
    """The SMTP server could not be reached or refused for now: the task retries."""


# --- tokens and input checks ----------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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


def _expiry_errors(expired_at: datetime | None) -> list[FieldError]:
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


def _is_within(organization: Organization, candidate: Organization) -> bool:
    """`candidate` is `organization` or one of its sub-organizations (at any depth)."""
    current, depth = candidate, 0
    while current is not None and depth < _MAX_ORGANIZATION_DEPTH:
        if current.pk == organization.pk:
            return True
        current = current.parent if current.parent_id else None
        depth += 1
    return False


def _resolve_parent(organization: Organization, parent) -> Organization | None:
    if parent is None:
        return None
    if not isinstance(parent, Organization):
        parent = Organization.objects.filter(pk=parent).first()
    if parent is None or not _is_within(organization, parent):
        raise ValidationFailed.single(
            "parent_organization_id",
            "Choose this organization or one of its sub-organizations.",
            "invalid_choice",
        )
    return parent


# --- sending ----------------------------------------------------------------------------------------------------


def _email_request(invitation: Invitation, token: str) -> InvitationEmail:
    """A new email for the invitation, sent by the task once this transaction commits. Emails still waiting carry
    a link the new token replaces: they are withdrawn (claimed as superseded, never sent)."""
    from organizations.tasks import invitation_email_send

    InvitationEmail.objects.filter(invitation=invitation, claimed_at__isnull=True, sent_at__isnull=True).update(
        claimed_at=timezone.now(), token=None, last_error="Superseded by a newer email."
    )
    email = InvitationEmail.objects.create(invitation=invitation, token=token)
    # robust: a broker that is down must not turn the committed request into an error; the row stays unsent (the
    # admin shows it, and a resend makes a new one).
    transaction.on_commit(partial(invitation_email_send.delay, str(email.pk)), robust=True)
    return email


def accept_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("invitation-accept", args=[token])


def _invitation_message(email: InvitationEmail) -> EmailMultiAlternatives:
    invitation = email.invitation
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviting_organization": invitation.parent_organization or invitation.organization,
        "is_member_invitation": invitation.kind == InvitationKind.MEMBER,
        "role": Role(invitation.role).label if invitation.role else "",
        "accept_url": accept_url(email.token),
    }
    subject = " ".join(render_to_string("organizations/invitations/email/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("organizations/invitations/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("organizations/invitations/email/invitation.html", context), "text/html"
    )
    return message


def _permanent(exc: Exception) -> bool:
    """An SMTP answer that will not change on a retry (5xx: no such mailbox, refused sender...)."""
    return (isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500) or (
        isinstance(exc, smtplib.SMTPRecipientsRefused) and all(code >= 500 for code, _ in exc.recipients.values())
    )


def invitation_email_deliver(*, email_id: uuid.UUID | str) -> bool:
    """Sends one requested invitation email, at most once. True when this call sent it.

    Not atomic on purpose: the claim commits before the SMTP conversation starts, and the result is recorded after
    it. A worker lost in between leaves the row claimed and unsent, and a redelivered task sends nothing (at most
    once rather than twice). A transient failure releases the claim and raises EmailDeliveryFailed (the task
    retries); a permanent one (5xx) is recorded and not retried.
    """
    with transaction.atomic():
        claimed = InvitationEmail.objects.filter(pk=email_id, claimed_at__isnull=True, sent_at__isnull=True).update(
            claimed_at=timezone.now()
        )
    if not claimed:
        logger.info("Invitation email %s is already sent, being sent or withdrawn: not sending it again.", email_id)
        return False
    email = InvitationEmail.objects.select_related("invitation__organization", "invitation__parent_organization").get(
        pk=email_id
    )
    try:
        _invitation_message(email).send()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if _permanent(exc):
            InvitationEmail.objects.filter(pk=email_id).update(attempts=F("attempts") + 1, last_error=error, token=None)
            logger.error("Invitation email %s refused by the SMTP server for good: %s", email_id, error)
            return False
        InvitationEmail.objects.filter(pk=email_id).update(
            claimed_at=None, attempts=F("attempts") + 1, last_error=error
        )
        logger.warning("Invitation email %s not sent (%s); it will be retried.", email_id, error)
        raise EmailDeliveryFailed(error) from exc
    sent_at = timezone.now()
    with transaction.atomic():
        InvitationEmail.objects.filter(pk=email_id).update(
            sent_at=sent_at, token=None, attempts=F("attempts") + 1, last_error=""
        )
        Invitation.objects.filter(pk=email.invitation_id).update(
            first_invitation_sent_at=Coalesce(F("first_invitation_sent_at"), Value(sent_at)),
            last_invitation_sent_at=sent_at,
            updated_at=sent_at,
        )
    logger.info("Invitation email %s sent.", email_id)
    return True


# --- creating and resending -------------------------------------------------------------------------------------


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
    errors.extend(_expiry_errors(expired_at))
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
    errors.extend(_expiry_errors(expired_at))
    if errors:
        raise ValidationFailed(errors)
    _require_owner_for_owner_role(actor_role=actor_role, touches_owner=role == Role.OWNER)
    return _invitation_create(
        organization=organization,
        email=email,
        kind=InvitationKind.MEMBER,
        role=role,
        expired_at=expired_at,
        invited_by=invited_by,
    )


def _is_expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return invitation.status == InvitationStatus.EXPIRED or (
        invitation.status == InvitationStatus.SENT and invitation.expired_at <= (now or timezone.now())
    )


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Sends the invitation again with a new link (the earlier links stop working). 409 once accepted or expired."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationAlreadyAccepted("This invitation has already been accepted: there is nothing to resend.")
    if _is_expired(invitation):
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


# --- accepting --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptResult:
    invitation: Invitation
    organization: Organization  # the guest organization connected, or the organization joined
    connection: OrganizationConnection | None = None
    membership: Membership | None = None
    already_member: bool = False


def _usable(invitation: Invitation | None, user, now: datetime) -> Invitation:
    """The checks every use of a token makes, in the order a person would want to hear them."""
    if invitation is None:
        raise InvitationNotFound()
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationAlreadyAccepted()
    if _is_expired(invitation, now):
        raise InvitationExpired()
    if user is not None and (user.email or "").casefold() != invitation.email.casefold():
        raise InvitationForSomeoneElse()
    return invitation


def _find_by_token(token: str, *, lock: bool) -> Invitation | None:
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    queryset = Invitation.objects.select_related("organization", "parent_organization")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(token_hash=token_hash(token)).first()


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
    invitation = _usable(_find_by_token(token, lock=True), user, now)
    if invitation.kind == InvitationKind.MEMBER:
        return _accept_member(invitation, user=user, now=now)
    return _accept_guest(
        invitation, user=user, organization=organization, new_organization_name=new_organization_name, now=now
    )


@transaction.atomic
def invitation_sign_up(*, token: str, username: str, password: str):
    """A new account for the person an invitation was sent to, with the invitation's email (the link proves they
    read that mailbox). The form has checked the username and the password's strength."""
    invitation = _usable(_find_by_token(token, lock=False), None, timezone.now())
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationFailed.single(
            "email", "An account with this email address already exists: sign in instead.", "exists"
        )
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=invitation.email, password=password)
    except IntegrityError:
        raise ValidationFailed.single("username", "That username is taken.", "exists") from None


@transaction.atomic
def invitations_expire() -> int:
    """Marks sent invitations whose `expired_at` has passed as expired (the beat task). Returns how many."""
    now = timezone.now()
    return Invitation.objects.filter(status=InvitationStatus.SENT, expired_at__lte=now).update(
        status=InvitationStatus.EXPIRED, updated_at=now
    )


@transaction.atomic
def organization_connection_archive(*, connection: OrganizationConnection, archived: bool) -> OrganizationConnection:
    """Archives (or restores) a host's connection to a guest: an archived connection gives no Host/Guest access."""
    if not isinstance(archived, bool):
        raise ValidationFailed.single("archived", "Must be true or false.", "invalid")
    OrganizationConnection.objects.filter(pk=connection.pk).update(archived=archived, updated_at=timezone.now())
    connection.refresh_from_db(fields=["archived", "updated_at"])
    return connection


# --- selectors --------------------------------------------------------------------------------------------------

INVITATION_ORDERINGS = ("created_at", "email", "expired_at", "status")


def _current_status(now: datetime) -> Case:
    """The status a reader sees: a sent invitation past its expiry is expired, even before the sweep marks it."""
    return Case(
        When(status=InvitationStatus.SENT, expired_at__lte=now, then=Value(InvitationStatus.EXPIRED.value)),
        default=F("status"),
        output_field=CharField(),
    )


def _status_filter(statuses: list[str], now: datetime) -> Q:
    q = Q(pk__in=[])
    for status in statuses:
        if status == InvitationStatus.SENT:
            q |= Q(status=InvitationStatus.SENT, expired_at__gt=now)
        elif status == InvitationStatus.EXPIRED:
            q |= Q(status=InvitationStatus.EXPIRED) | Q(status=InvitationStatus.SENT, expired_at__lte=now)
        else:
            q |= Q(status=status)
    return q


def effective_status(invitation: Invitation) -> str:
    current = getattr(invitation, "current_status", None)
    if current:
        return current
    return InvitationStatus.EXPIRED if _is_expired(invitation) else invitation.status


def invitation_list(
    *,
    organization: Organization,
    kind: str,
    statuses: list[str] | None = None,
    search_text: str | None = None,
    expired: bool | None = None,
    archived: bool | None = None,
    order_by: str = "created_at",
    order_dir: str = "desc",
) -> QuerySet[Invitation]:
    """The organization's invitations of one kind, with `current_status`; ties by id."""
    now = timezone.now()
    queryset = (
        Invitation.objects.filter(organization=organization, kind=kind)
        .select_related("partner")
        .annotate(current_status=_current_status(now))
    )
    if statuses:
        queryset = queryset.filter(_status_filter(statuses, now))
    if search_text:
        queryset = queryset.filter(email__icontains=search_text)
    if expired is not None:
        queryset = queryset.filter(expired_at__lte=now) if expired else queryset.filter(expired_at__gt=now)
    if archived is not None:
        queryset = queryset.filter(archived=archived)
    field = {"status": "current_status"}.get(order_by, order_by)
    if order_by not in INVITATION_ORDERINGS:
        raise ValueError(f"unknown ordering {order_by!r}")
    prefix = "-" if order_dir == "desc" else ""
    return queryset.order_by(f"{prefix}{field}", f"{prefix}id")


def invitation_scope(*, organization: Organization) -> QuerySet[Invitation]:
    """Every invitation of the organization (the scope of a lookup by id)."""
    return Invitation.objects.filter(organization=organization).order_by("created_at", "id")


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token names (with its organizations), or None. Nothing is locked or changed."""
    return _find_by_token(token, lock=False)


def invitation_problem(invitation: Invitation | None, user=None) -> Exception | None:
    """Why the invitation cannot be accepted (by `user`, when given), as the domain error accepting would raise."""
    try:
        _usable(invitation, user, timezone.now())
    except (InvitationNotFound, InvitationAlreadyAccepted, InvitationExpired, InvitationForSomeoneElse) as exc:
        return exc
    return None


def organizations_for_guest_accept(*, user) -> QuerySet[Organization]:
    """The user's organizations they may connect as a guest (owner or admin), by name."""
    return Organization.objects.filter(memberships__user=user, memberships__role__in=CONNECTING_ROLES).order_by(
        "name", "id"
    )


def partner_for_invitation(*, organization: Organization) -> QuerySet[OrganizationPartner]:
    """The organization's partner records (the scope of `POST /partners/{id}/invite`)."""
    return OrganizationPartner.objects.filter(organization=organization).order_by("created_at", "id")


def _connection_filters(queryset, *, archived: bool | None, statuses: list[str] | None):
    if archived is not None:
        queryset = queryset.filter(archived=archived)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    return queryset.order_by("-created_at", "-id")


def guest_connection_list(
    *, organization: Organization, archived: bool | None = None, statuses: list[str] | None = None
) -> QuerySet[OrganizationConnection]:
    """The organization's guests (it is their host), newest first, with each guest organization."""
    queryset = OrganizationConnection.objects.filter(host=organization).select_related("guest")
    return _connection_filters(queryset, archived=archived, statuses=statuses)


def host_connection_list(
    *, organization: Organization, archived: bool | None = None, statuses: list[str] | None = None
) -> QuerySet[OrganizationConnection]:
    """The organizations that host this one (it is their guest), newest first, with each host organization."""
    queryset = OrganizationConnection.objects.filter(guest=organization).select_related("host")
    return _connection_filters(queryset, archived=archived, statuses=statuses)
