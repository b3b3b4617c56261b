"""What a disputed connection gets moves once, whatever the client did with its dispute before finalization
(settlements.services.disputes' promise: its original transfers never complete, what the closure decides moves in the
partner's next settlement)."""

import pytest

from settlements.models import SettlementTransfer
from settlements.payloads import DisputeCloseFields, DisputeFields, DisputeUpdateFields
from settlements.services.disputes import dispute_close, dispute_create, dispute_update
from settlements.services.finalization import settlement_finalize
from tests.settlements.conftest import (
    allocate,
    dispute_body,
    dispute_close_body,
    dispute_update_body,
    held,
    partner_account,
)
from tests.settlements.pg import fund_partner, v2_create

pytestmark = pytest.mark.django_db


def test_a_retracted_then_closed_dispute_moves_the_connections_amount_once(
    disputes_partner, partner_key, connection, enterprise, signing_key, tbtc, owner
):
    fund_partner(disputes_partner, tbtc, 1_000)
    allocate(connection, tbtc, 500)
    settlement = v2_create(disputes_partner, partner_key, {str(connection.pk): {"tbtc": "-40"}})
    body = dispute_body(settlement.pk, connection, signing_key)
    dispute = dispute_create(
        enterprise=enterprise,
        fields=DisputeFields(
            settlement_id=settlement.pk,
            connection_id=connection.pk,
            expected_transfers={"tbtc": 100},
            nonce=body["nonce"],
            reason=body["reason"],
        ),
        payload=body["payload"],
        signature=body["signature"],
        user_label="client",
    )
    body = dispute_update_body(dispute, signing_key, retracted=True)
    dispute_update(
        enterprise=enterprise,
        fields=DisputeUpdateFields(
            dispute_id=dispute.pk, connection_id=connection.pk, retracted=True, nonce=body["nonce"]
        ),
        payload=body["payload"],
        signature=body["signature"],
        user_label="client",
    )
    # Closed by the client after retracting: the original transfer is re-issued for the next settlement.
    body = dispute_close_body(enterprise, dispute, signing_key)
    dispute_close(
        enterprise=enterprise,
        fields=DisputeCloseFields(dispute_id=dispute.pk, notes=body["notes"], nonce=body["nonce"]),
        payload=body["payload"],
        signature=body["signature"],
        user=owner,
        user_label="client",
    )

    settlement_finalize(settlement_id=settlement.pk, force=True)
    after_first = held(connection, tbtc)
    following = v2_create(disputes_partner, partner_key, {str(connection.pk): {"tbtc": "-1"}})
    settlement_finalize(settlement_id=following.pk, force=True)

    assert SettlementTransfer.objects.get(settlement=settlement, dispute_closure=None).status == "disputed"
    assert after_first == 500
    assert held(connection, tbtc) == 500 - 40 - 1  # the 40 once (in the next settlement), not twice
    assert partner_account(disputes_partner, tbtc) == 1_000 + 41


def test_one_sweep_enqueues_a_backlog_larger_than_its_batch(
    disputes_partner, partner_key, connection, tbtc, monkeypatch
):
    """The beat's sweep claimed one batch (500) per run, so a backlog of due settlements drained at 500 per
    SETTLEMENT_FINALIZE_SWEEP_SECONDS (60 s) whatever the number of workers. It now claims batch after batch."""
    from config.celery import app
    from settlements.models import Settlement
    from settlements.services import finalization
    from settlements.tasks import settlements_finalize_due

    disputes_partner.client_dispute_window_minutes = disputes_partner.top_up_window_minutes = 0
    disputes_partner.save()
    allocate(connection, tbtc, 100)
    for _ in range(7):
        v2_create(disputes_partner, partner_key, {str(connection.pk): {"tbtc": "-1"}})
    monkeypatch.setattr(finalization, "SWEEP_BATCH", 3)
    try:
        assert settlements_finalize_due() == 7
    finally:
        if not app.conf.task_always_eager:
            app.control.purge()  # the enqueued finalizations name settlements this test's rollback removes
    assert not Settlement.objects.filter(finalization_enqueued_at=None, status="pending").exists()
