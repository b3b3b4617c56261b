"""Finalization: one posting per settlement, transfers a balance cannot cover fail with their reason while the rest
completes, counterparty transfers move between connections, and the periodic sweep finds the due settlements."""

import pytest
from celery import current_app
from django.core.management import call_command

from allocations.models import AccountKind, AccountRef, LedgerEntry
from allocations.services.ledger import ledger_post, transfer
from settlements.models import Settlement, SettlementTransfer
from settlements.services.finalization import settlement_finalize, settlements_due_claim
from tests.partners.pages.conftest import sign_in
from tests.settlements.conftest import allocate, cutoff, fund_partner, held, partner_account, settlement_body, v1, v2

pytestmark = pytest.mark.django_db


@pytest.fixture
def zero_windows(disputes_partner):
    disputes_partner.client_dispute_window_minutes = 0
    disputes_partner.top_up_window_minutes = 0
    disputes_partner.save()
    return disputes_partner


def create_v2(api, partner, auth, key, amounts):
    body = settlement_body(amounts, key, cutoff_at=cutoff())
    response = api.post(v2(partner.enterprise, "partners/settlements"), body, format="json", **auth)
    assert response.status_code == 200, response.json()
    return Settlement.objects.get(pk=response.json()["settlement"]["id"])


def test_a_shortfall_at_finalization_fails_that_transfer_and_the_rest_completes(
    api, client, zero_windows, partner_auth, partner_key, connection, second_connection, tbtc
):
    allocate(connection, tbtc, 100)
    allocate(second_connection, tbtc, 100)
    settlement = create_v2(
        api,
        zero_windows,
        partner_auth,
        partner_key,
        {str(connection.pk): {"tbtc": "-80"}, str(second_connection.pk): {"tbtc": "-50"}},
    )
    # The client takes collateral back before the window ends (a deallocation's posting).
    ledger_post(
        kind="deallocation",
        lines=transfer(
            source=AccountRef(connection.network_account_id, AccountKind.HELD, tbtc),
            destination=AccountRef(connection.client_id, AccountKind.AVAILABLE, tbtc),
            amount=50,
        ),
    )

    settlement_finalize(settlement_id=settlement.pk)

    transfers = {t.connection_id: t for t in SettlementTransfer.objects.filter(settlement=settlement)}
    assert transfers[connection.pk].status == "failed"
    assert "holds 50 allocated, 80 needed" in transfers[connection.pk].reason  # base units, as the API says it
    assert transfers[second_connection.pk].status == "completed"
    sign_in(client, zero_windows.enterprise)
    page = client.get(f"/network/incoming/settlements/{settlement.pk}").text
    assert "holds 0.0000005 tbtc allocated, 0.0000008 tbtc needed." in page  # whole units on the partner's page
    assert held(connection, tbtc) == 50 and held(second_connection, tbtc) == 50
    assert partner_account(zero_windows, tbtc) == 50
    assert Settlement.objects.get(pk=settlement.pk).status == "completed"


def test_when_every_transfer_fails_the_settlement_fails(api, zero_windows, partner_auth, partner_key, connection, tbtc):
    settlement = create_v2(api, zero_windows, partner_auth, partner_key, {str(connection.pk): {"tbtc": "10"}})

    settlement_finalize(settlement_id=settlement.pk)

    settlement.refresh_from_db()
    assert settlement.status == "failed" and "the partner's account holds 0, 10 needed" in settlement.reason
    assert settlement.posting is None


def test_finalizing_twice_posts_once(api, zero_windows, partner_auth, partner_key, connection, tbtc):
    allocate(connection, tbtc, 100)
    settlement = create_v2(api, zero_windows, partner_auth, partner_key, {str(connection.pk): {"tbtc": "-1"}})

    assert settlement_finalize(settlement_id=settlement.pk) is not None
    assert settlement_finalize(settlement_id=settlement.pk) is None
    assert settlement_finalize(settlement_id=settlement.pk, force=True) is None

    assert LedgerEntry.objects.filter(transaction__kind="settlement").count() == 2
    assert held(connection, tbtc) == 99


def test_not_due_is_left_pending_unless_forced(api, disputes_partner, partner_auth, partner_key, connection, tbtc):
    allocate(connection, tbtc, 100)
    settlement = create_v2(api, disputes_partner, partner_auth, partner_key, {str(connection.pk): {"tbtc": "-1"}})

    assert settlement_finalize(settlement_id=settlement.pk) is None
    assert settlements_due_claim() == []
    assert settlement_finalize(settlement_id=settlement.pk, force=True) is not None


def test_counterparty_transfers_move_between_connections(
    api, partner, partner_auth, partner_key, connection, second_connection, tbtc
):
    allocate(connection, tbtc, 100)
    body = settlement_body({str(connection.pk): {str(second_connection.pk): {"tbtc": "-40"}}}, partner_key)
    response = api.post(v1(partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 200, response.json()
    assert held(connection, tbtc) == 60 and held(second_connection, tbtc) == 40
    assert partner_account(partner, tbtc) == 0
    listed = api.get(
        v1(partner.enterprise, "partners/settlements"),
        {"counterpartyConnectionIds": str(second_connection.pk)},
        **partner_auth,
    )
    assert len(listed.json()["settlements"]) == 1


def test_a_gain_the_partner_cannot_pay_refuses_a_v1_settlement(
    api, partner, partner_auth, partner_key, connection, tbtc
):
    fund_partner(partner, tbtc, 5)
    body = settlement_body({str(connection.pk): {"tbtc": "6"}}, partner_key)
    response = api.post(v1(partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 422
    assert response.json()["error"] == "Insufficient tbtc funds: the partner's account holds 5, 6 needed."
    assert not Settlement.objects.exists()


@pytest.fixture
def embedded(settings):
    """The embedded default's eager tasks, even where REDIS_URL is set (the Celery app reads its own copy)."""
    eager = current_app.conf.task_always_eager  # before the settings change: the app reads them lazily
    settings.CELERY_TASK_ALWAYS_EAGER = True
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = eager


def test_the_embedded_beat_finalizes_due_settlements(
    api, zero_windows, partner_auth, partner_key, connection, tbtc, embedded
):
    allocate(connection, tbtc, 100)
    settlement = create_v2(api, zero_windows, partner_auth, partner_key, {str(connection.pk): {"tbtc": "-7"}})

    call_command("embedded_beat", once=True)

    assert Settlement.objects.get(pk=settlement.pk).status == "completed"
    assert held(connection, tbtc) == 93
