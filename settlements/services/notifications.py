"""Telling clients about a new settlement (the reference's step 5): one email per client the settlement moves
something for, to its owners and admins, sent by a Celery task after commit, at most once (settlements.delivery)."""

from django.db import transaction

from settlements import tasks
from settlements.models import Settlement, SettlementNotice, SettlementTransfer


def settlement_notices_create(*, settlement: Settlement, transfers: list[SettlementTransfer]) -> None:
    """Records one notice per client of `transfers` and enqueues each after the caller's transaction commits."""
    clients = {t.client_id for t in transfers} | {
        t.counterparty_client_id for t in transfers if t.counterparty_client_id
    }
    notices = SettlementNotice.objects.bulk_create(
        [SettlementNotice(settlement=settlement, client_id=client_id) for client_id in sorted(clients)]
    )
    for notice in notices:
        transaction.on_commit(lambda notice_id=str(notice.pk): tasks.settlement_notice_send.delay(notice_id))
