"""Invitations by email and the emails that carry them (DESIGN.md §5).

The tables kept their names from when the models lived in `organizations` (moved by state only, migration 0001).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.crypto import EncryptedTextField
from organization_partners.models import OrganizationPartner
from organizations.models import Organization, Role


class InvitationKind(models.TextChoices):
    GUEST = "guest", "Guest organization"  # join the network as the host's connected guest organization
    MEMBER = "member", "Member"  # join the organization as a member, with `role`


class InvitationStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """An invitation by email, from an organization: to become its connected guest organization (GUEST, optionally
    for one of its partner records) or one of its members (MEMBER, with a role). The token in the email's link is
    stored hashed (sha256): the database alone cannot accept an invitation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=InvitationKind.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, default="")  # MEMBER only
    partner = models.ForeignKey(
        OrganizationPartner, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    # GUEST: the sub-organization of the host that invites (the API's `parent_organization_id`), else the host.
    parent_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.SENT)
    expired_at = models.DateTimeField()
    archived = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_invitation_sent_at = models.DateTimeField(null=True, blank=True)
    last_invitation_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvitationKind.values), name="invitation_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.CheckConstraint(
                condition=(Q(kind=InvitationKind.MEMBER) & Q(role__in=Role.values))
                | (Q(kind=InvitationKind.GUEST) & Q(role="")),
                name="invitation_role_for_members_only",
            ),
            models.CheckConstraint(
                condition=Q(status=InvitationStatus.ACCEPTED, accepted_at__isnull=False)
                | (~Q(status=InvitationStatus.ACCEPTED) & Q(accepted_at__isnull=True)),
                name="invitation_accepted_at_when_accepted",
            ),
        ]
        db_table = "organizations_invitation"
        indexes = [
            models.Index(fields=["organization", "kind", "created_at", "id"], name="invitation_org_created"),
            models.Index(fields=["status", "expired_at"], name="invitation_status_expiry"),  # the expiry sweep
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invitation to {self.email}"


class InvitationEmail(models.Model):
    """One request to send an invitation's email (the first send, each resend). The Celery task that sends it
    claims the row first (`claimed_at`, committed) and records `sent_at` after the SMTP server took the message:
    a redelivered task finds it claimed or sent and does not send again (at most once per request)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="emails")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # The accept link's token for this email, encrypted at rest (config.crypto) and erased once the email is sent or
    # superseded by a newer one: the task needs it to write the link, the invitation keeps only its hash.
    token = EncryptedTextField(null=True)

    class Meta:
        db_table = "organizations_invitationemail"
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="invitation_email_sent_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"email {self.id} of {self.invitation_id}"
