"""Disputes through the network API: within the window of a pending settlement, one open per settlement and
connection; an open dispute holds back the connection's transfers; a closure's transfers go into the partner's next
settlement (`settledInSettlementId`)."""

import datetime

import pytest
from django.utils import timezone

from settlements.models import Dispute, Settlement, SettlementTransfer
from settlements.services.finalization import settlement_finalize
from tests.contracts import assert_matches_reference
from tests.settlements.conftest import (
    allocate,
    cutoff,
    dispute_body,
    dispute_close_body,
    dispute_update_body,
    fund_partner,
    held,
    partner_account,
    settlement_body,
    v1,
    v2,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(api, disputes_partner, partner_auth, partner_key, connection, second_connection, tbtc):
    """A pending v2 settlement: Acme's connection loses 300, Globex's gains 100."""
    allocate(connection, tbtc, 1_000)
    allocate(second_connection, tbtc, 500)
    fund_partner(disputes_partner, tbtc, 1_000)
    body = settlement_body(
        {str(connection.pk): {"tbtc": "-300"}, str(second_connection.pk): {"tbtc": "100"}},
        partner_key,
        cutoff_at=cutoff(),
    )
    response = api.post(v2(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)
    assert response.status_code == 200, response.json()
    return Settlement.objects.get(pk=response.json()["settlement"]["id"])


def dispute(api, enterprise, auth, settlement, connection, key, **kwargs):
    body = dispute_body(settlement.pk, connection, key, **kwargs)
    return api.post(v1(enterprise, f"clients/settlements/{settlement.pk}/disputes"), body, format="json", **auth)


def test_a_client_disputes_and_its_transfers_are_held_back_at_finalization(
    api, enterprise, auth, signing_key, pending, connection, second_connection, disputes_partner, tbtc
):
    response = dispute(api, enterprise, auth, pending, connection, signing_key, expected={"tbtc": "-100"})

    assert response.status_code == 200, response.json()
    assert_matches_reference(response)
    assert response.json()["dispute"]["expectedTransfers"] == {"tbtc": "-100"}
    settlement_finalize(settlement_id=pending.pk, force=True)

    statuses = {t.connection_id: t.status for t in SettlementTransfer.objects.filter(settlement=pending)}
    assert statuses == {connection.pk: "disputed", second_connection.pk: "completed"}
    assert held(connection, tbtc) == 1_000 and held(second_connection, tbtc) == 600
    assert Settlement.objects.get(pk=pending.pk).status == "completed"


def test_a_second_open_dispute_on_the_same_connection_conflicts(
    api, enterprise, auth, signing_key, pending, connection
):
    assert dispute(api, enterprise, auth, pending, connection, signing_key).status_code == 200
    again = dispute(api, enterprise, auth, pending, connection, signing_key)

    assert again.status_code == 409 and again.json()["name"] == "DisputeExists"
    assert Dispute.objects.count() == 1


def test_outside_the_window_or_on_a_final_settlement_is_refused(
    api, enterprise, auth, signing_key, pending, connection
):
    Settlement.objects.filter(pk=pending.pk).update(dispute_deadline=timezone.now() - datetime.timedelta(seconds=1))
    late = dispute(api, enterprise, auth, pending, connection, signing_key)
    settlement_finalize(settlement_id=pending.pk, force=True)
    final = dispute(api, enterprise, auth, pending, connection, signing_key)

    assert late.status_code == 422 and late.json()["name"] == "DisputeWindowClosed"
    assert final.status_code == 422 and final.json()["name"] == "SettlementFinal"
    assert not Dispute.objects.exists()


def test_another_clients_settlement_or_connection_answers_404(
    api, second_auth, second_client, second_key, pending, connection
):
    foreign = dispute(api, second_client.enterprise, second_auth, pending, connection, second_key)

    assert foreign.status_code == 404
    assert api.get(v1(second_client.enterprise, "clients/settlement/disputes"), **second_auth).json() == {
        "disputes": []
    }


def test_retract_then_the_transfers_complete(api, enterprise, auth, signing_key, pending, connection, tbtc):
    created = dispute(api, enterprise, auth, pending, connection, signing_key).json()["dispute"]
    record = Dispute.objects.get(pk=created["id"])
    url = v1(enterprise, f"clients/settlements/disputes/{record.pk}")

    retracted = api.put(
        url, dispute_update_body(record, signing_key, retracted=True, reason="Found them"), format="json", **auth
    )
    assert retracted.status_code == 200, retracted.json()
    assert_matches_reference(retracted)
    assert retracted.json()["dispute"]["retracted"] is True
    assert retracted.json()["dispute"]["retractedReason"] == "Found them"
    settlement_finalize(settlement_id=pending.pk, force=True)

    assert held(connection, tbtc) == 700


def test_closure_moves_in_the_next_settlement(
    api, enterprise, auth, signing_key, pending, connection, disputes_partner, partner_auth, partner_key, tbtc
):
    created = dispute(api, enterprise, auth, pending, connection, signing_key).json()["dispute"]
    record = Dispute.objects.get(pk=created["id"])
    settlement_finalize(settlement_id=pending.pk, force=True)
    assert held(connection, tbtc) == 1_000

    closed = api.post(
        v1(enterprise, f"clients/settlements/disputes/{record.pk}/close"),
        dispute_close_body(enterprise, record, signing_key),
        format="json",
        **auth,
    )
    assert closed.status_code == 200, closed.json()
    assert_matches_reference(closed)
    assert closed.json()["disputeClosure"]["adjustedTransfers"] == {"tbtc": "-300"}

    body = settlement_body({str(connection.pk): {"tbtc": "-1"}}, partner_key, cutoff_at=cutoff())
    nxt = api.post(v2(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)
    assert nxt.status_code == 200, nxt.json()
    assert_matches_reference(nxt)
    settling = nxt.json()["settlement"]["settlingDisputes"]
    assert [d["id"] for d in settling] == [str(record.pk)]
    assert settling[0]["settledInSettlementId"] == nxt.json()["settlement"]["id"]
    settlement_finalize(settlement_id=nxt.json()["settlement"]["id"], force=True)

    assert held(connection, tbtc) == 699  # the closure's 300 and the new 1
    assert partner_account(disputes_partner, tbtc) == 1_000 - 100 + 301
    disputes = api.get(v1(enterprise, "clients/settlement/disputes"), {"closed": "true"}, **auth)
    assert_matches_reference(disputes)
    assert disputes.json()["disputes"][0]["disputeClosure"]["adjustedSettlementTransfers"][0]["status"] == "completed"


def test_closing_twice_conflicts(api, enterprise, auth, signing_key, pending, connection):
    created = dispute(api, enterprise, auth, pending, connection, signing_key).json()["dispute"]
    record = Dispute.objects.get(pk=created["id"])
    url = v1(enterprise, f"clients/settlements/disputes/{record.pk}/close")

    first = api.post(url, dispute_close_body(enterprise, record, signing_key), format="json", **auth)
    second = api.post(url, dispute_close_body(enterprise, record, signing_key), format="json", **auth)

    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["name"] == "DisputeClosed"


def test_partner_sees_disputes_but_not_retracted_ones_unless_asked(
    api, enterprise, auth, signing_key, pending, connection, disputes_partner, partner_auth
):
    created = dispute(api, enterprise, auth, pending, connection, signing_key).json()["dispute"]
    record = Dispute.objects.get(pk=created["id"])
    url = v1(disputes_partner.enterprise, "partners/settlement/disputes")
    assert [d["id"] for d in api.get(url, **partner_auth).json()["disputes"]] == [str(record.pk)]
    api.put(
        v1(enterprise, f"clients/settlements/disputes/{record.pk}"),
        dispute_update_body(record, signing_key, retracted=True),
        format="json",
        **auth,
    )

    hidden = api.get(url, **partner_auth)
    shown = api.get(url, {"showRetracted": "true"}, **partner_auth)

    assert_matches_reference(shown)
    assert hidden.json()["disputes"] == [] and len(shown.json()["disputes"]) == 1
    detail = api.get(v1(disputes_partner.enterprise, f"partners/settlements/{pending.pk}"), **partner_auth)
    assert_matches_reference(detail)
    assert detail.json()["settlementDisputes"][0]["id"] == str(record.pk)
    listed = api.get(
        v1(disputes_partner.enterprise, "partners/settlements"), {"onlyShowDisputed": "true"}, **partner_auth
    )
    assert [s["id"] for s in listed.json()["settlements"]] == [str(pending.pk)]
