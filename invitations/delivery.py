"""Sending an invitation's email, at most once per request (run by the Celery task
`invitations.tasks.invitation_email_send`, which the services enqueue; this module imports neither).

The row is claimed in its own committed transaction before the SMTP conversation, so a redelivered task (a worker
lost mid-send) finds it claimed and sends nothing. A transient SMTP failure releases the claim and raises
EmailDeliveryFailed: the task retries with backoff.
"""

import logging
import smtplib
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from invitations.errors import EmailDeliveryFailed
from invitations.models import Invitation, InvitationEmail, InvitationKind
from organizations.models import Role

# The logger keeps the name it had before the app moved (organizations/invitations.py): log queries and alerts filter
# on it.
logger = logging.getLogger("organizations.invitations")


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
    subject = " ".join(render_to_string("invitations/email/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("invitations/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("invitations/email/invitation.html", context), "text/html")
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
