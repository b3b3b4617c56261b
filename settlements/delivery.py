"""Sending a settlement notice, at most once (run by the Celery task `settlements.tasks.settlement_notice_send`).

As invitation emails (invitations.delivery): the notice is claimed in its own committed transaction before the SMTP
conversation, so a redelivered task (a worker lost mid-send) sends nothing; a transient SMTP failure releases the
claim and raises NoticeDeliveryFailed, which the task retries with backoff. A notice that cannot be built (before any
SMTP conversation) is released too, with its error, and the error raised (not retried).
"""

import logging
import smtplib
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership, Role
from settlements.models import SettlementNotice, SettlementTransfer

logger = logging.getLogger(__name__)


class NoticeDeliveryFailed(Exception):
    """A transient failure to send a notice: the task retries."""


def recipients(notice: SettlementNotice) -> list[str]:
    """The client enterprise's owners and admins, by email."""
    return sorted(
        set(
            Membership.objects.filter(organization_id=notice.client.enterprise_id, role__in=[Role.OWNER, Role.ADMIN])
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _message(notice: SettlementNotice, to: list[str]) -> EmailMultiAlternatives:
    settlement = notice.settlement
    transfers = (
        SettlementTransfer.objects.select_related("connection", "counterparty_connection", "currency")
        .filter(settlement=settlement)
        .order_by("created_at", "id")
    )
    mine = [t for t in transfers if notice.client_id in (t.client_id, t.counterparty_client_id)]
    context = {
        "settlement": settlement,
        "partner": settlement.partner,
        "client": notice.client,
        "transfers": mine,
        "url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("settlements:client-detail", args=[settlement.pk]),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string("settlements/email/subject.txt", context).split()),
        body=render_to_string("settlements/email/notice.txt", context),
        to=to,
    )
    return message


def settlement_notice_deliver(*, notice_id: uuid.UUID | str) -> bool:
    """Sends one notice, at most once. True when this call sent it."""
    with transaction.atomic():
        claimed = SettlementNotice.objects.filter(pk=notice_id, claimed_at__isnull=True, sent_at__isnull=True).update(
            claimed_at=timezone.now()
        )
    if not claimed:
        logger.info("Settlement notice %s is already sent or being sent: not sending it again.", notice_id)
        return False
    notice = SettlementNotice.objects.select_related("settlement__partner", "client__enterprise").get(pk=notice_id)
    to = recipients(notice)
    if to:
        try:
            message = _message(notice, to)
        except Exception as exc:
            # Nothing reached an SMTP server: release the claim and say why, rather than leave the notice claimed
            # and never sent with no trace (a template or link error; it is not retried: a fix is needed first).
            _release(notice_id, exc)
            logger.exception("Settlement notice %s could not be built; released, not sent.", notice_id)
            raise
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            error = _release(notice_id, exc)
            logger.warning("Settlement notice %s not sent (%s); it will be retried.", notice_id, error)
            raise NoticeDeliveryFailed(error) from exc
    SettlementNotice.objects.filter(pk=notice_id).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="" if to else "no owner or admin with an email"
    )
    return bool(to)


def _release(notice_id: uuid.UUID | str, exc: Exception) -> str:
    """Gives the notice's claim back (another run may send it) with the error; returns the error's text."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    SettlementNotice.objects.filter(pk=notice_id).update(claimed_at=None, attempts=F("attempts") + 1, last_error=error)
    return error
