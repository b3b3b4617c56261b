"""Celery tasks of the invitations app: invitation emails and the invitation expiry sweep.

Tasks take ids and call one function (invitations.delivery sends an email and owns the at-most-once rule,
invitations.expiry marks invitations expired); the tasks own their retries. invitations.services imports this
module to enqueue the emails, and nothing here imports the services back.

The task NAMES keep the `organizations.` prefix they had before the app moved: messages already queued and the beat
schedule (CELERY_BEAT_SCHEDULE) name tasks by these strings. Do not rename them.
"""

import logging

from celery import shared_task
from django.conf import settings

from invitations import delivery, expiry
from invitations.errors import EmailDeliveryFailed

logger = logging.getLogger("organizations.tasks")  # its name before the app moved, as the task names


def retry_delay(retries: int) -> int:
    """Exponential backoff: base, 2 * base, 4 * base... capped (seconds)."""
    base = settings.INVITATION_EMAIL_RETRY_BACKOFF_SECONDS
    return int(min(base * 2**retries, settings.INVITATION_EMAIL_RETRY_BACKOFF_MAX_SECONDS))


@shared_task(
    bind=True,
    name="organizations.invitation_email_send",
    acks_late=True,  # a lost worker's message comes back; the claim on the row keeps it from sending twice
    max_retries=settings.INVITATION_EMAIL_MAX_RETRIES,
)
def invitation_email_send(self, email_id: str) -> bool:
    """Sends one requested invitation email (an InvitationEmail id); retried with backoff while SMTP fails."""
    try:
        return delivery.invitation_email_deliver(email_id=email_id)
    except EmailDeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task(name="organizations.invitations_expire")
def invitations_expire() -> int:
    """Marks the invitations past their expiry as expired (Celery beat, CELERY_BEAT_SCHEDULE)."""
    count = expiry.invitations_expire()
    if count:
        logger.info("%s invitation(s) expired.", count)
    return count
