"""Celery tasks of settlements: the finalization sweep (beat), one finalization per due settlement, and the
settlement notices. Tasks take ids and call one function; they own their retries."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from settlements import delivery
from settlements.services import finalization

logger = logging.getLogger(__name__)
# One sweep claims at most this many batches of finalization.SWEEP_BATCH (the rest waits for the next beat).
SWEEP_MAX_BATCHES = 20


def _backoff(retries: int) -> int:
    return int(min(5 * 2**retries, 300))


@shared_task(name="settlements.finalize_due")
def settlements_finalize_due() -> int:
    """Celery beat (CELERY_BEAT_SCHEDULE): claims the due v2 settlements (committed) and enqueues one finalization
    each, batch after batch until none is left (up to SWEEP_MAX_BATCHES): a backlog larger than one batch does not
    wait for the next beat. Several beats at once split the due settlements between them (settlements_due_claim)."""
    enqueued = 0
    for _ in range(SWEEP_MAX_BATCHES):
        ids = finalization.settlements_due_claim(limit=finalization.SWEEP_BATCH)
        for settlement_id in ids:
            settlement_finalize.delay(str(settlement_id))
        enqueued += len(ids)
        if len(ids) < finalization.SWEEP_BATCH:
            break
    if enqueued:
        logger.info("%s settlement(s) due: finalization enqueued.", enqueued)
    return enqueued


@shared_task(
    bind=True,
    name="settlements.finalize",
    acks_late=True,  # a lost worker's message comes back; the settlement's row lock and status make it run once
    max_retries=settings.SETTLEMENT_FINALIZE_MAX_RETRIES,
)
def settlement_finalize(self, settlement_id: str) -> bool:
    """Finalizes one settlement if it is pending and due; a database error (connection lost, failover) retries."""
    try:
        return finalization.settlement_finalize(settlement_id=settlement_id) is not None
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@shared_task(
    bind=True,
    name="settlements.notice_send",
    acks_late=True,
    max_retries=settings.INVITATION_EMAIL_MAX_RETRIES,
)
def settlement_notice_send(self, notice_id: str) -> bool:
    """Sends one settlement notice (at most once: settlements.delivery); SMTP failures retry with backoff."""
    try:
        return delivery.settlement_notice_deliver(notice_id=notice_id)
    except delivery.NoticeDeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
