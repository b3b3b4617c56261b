"""Partner settlements through the network API: v1 completes at once, v2 waits; signed, idempotent, and a loss never
exceeds what the client allocated."""

import json

import pytest

from organizations.signing import sign_message
from settlements.models import Settlement, SettlementTransfer
from tests.contracts import assert_matches_reference
from tests.settlements.conftest import (
    allocate,
    cutoff,
    held,
    partner_account,
    settlement_body,
    v1,
    v2,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(connection, second_connection, tbtc):
    allocate(connection, tbtc, 1_000)
    allocate(second_connection, tbtc, 500)
    return connection, second_connection


def test_v1_settlement_completes_at_once_and_moves_losses_and_gains(
    api, partner, partner_auth, partner_key, funded, tbtc
):
    connection, second = funded
    body = settlement_body({str(connection.pk): {"tbtc": "-300"}, str(second.pk): {"tbtc": "200"}}, partner_key)

    response = api.post(v1(partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 200, response.json()
    assert_matches_reference(response)
    settlement = response.json()["settlement"]
    assert settlement["status"] == "completed" and settlement["externalId"] == body["externalId"]
    assert held(connection, tbtc) == 700 and held(second, tbtc) == 700
    assert partner_account(partner, tbtc) == 100
    assert set(SettlementTransfer.objects.values_list("status", flat=True)) == {"completed"}


def test_a_loss_beyond_what_the_client_allocated_is_refused_and_writes_nothing(
    api, partner, partner_auth, partner_key, funded, tbtc
):
    connection, _ = funded
    body = settlement_body({str(connection.pk): {"tbtc": "-1001"}}, partner_key)

    response = api.post(v1(partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 422, response.json()
    assert response.json()["name"] == "InsufficientFunds"
    assert "1000" in response.json()["error"]
    assert not Settlement.objects.exists() and held(connection, tbtc) == 1_000


def test_the_same_external_id_and_body_returns_the_original_and_another_body_conflicts(
    api, partner, partner_auth, partner_key, funded, tbtc
):
    connection, _ = funded
    body = settlement_body({str(connection.pk): {"tbtc": "-10"}}, partner_key, external_id="day-1")
    url = v1(partner.enterprise, "partners/settlements")
    first = api.post(url, body, format="json", **partner_auth)
    again = api.post(url, body, format="json", **partner_auth)
    other = api.post(
        url,
        settlement_body({str(connection.pk): {"tbtc": "-11"}}, partner_key, external_id="day-1"),
        format="json",
        **partner_auth,
    )

    assert first.status_code == again.status_code == 200
    assert first.json()["settlement"]["id"] == again.json()["settlement"]["id"]
    assert other.status_code == 409 and other.json()["name"] == "SettlementIdConflict"
    assert held(connection, tbtc) == 990


def test_v2_settlement_stays_pending_with_its_windows(api, disputes_partner, partner_auth, partner_key, funded, tbtc):
    connection, _ = funded
    body = settlement_body({str(connection.pk): {"tbtc": "-10"}}, partner_key, cutoff_at=cutoff())

    response = api.post(v2(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 200, response.json()
    assert_matches_reference(response)
    assert response.json()["settlement"]["status"] == "pending"
    assert response.json()["settlement"]["settlingDisputes"] == []
    assert held(connection, tbtc) == 1_000


def test_v1_is_refused_to_a_partner_with_disputes(api, disputes_partner, partner_auth, partner_key, funded):
    connection, _ = funded
    body = settlement_body({str(connection.pk): {"tbtc": "-10"}}, partner_key)

    response = api.post(v1(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth)

    assert response.status_code == 403 and response.json()["name"] == "DisputesEnabled"


def test_reads_on_both_sides(api, partner, partner_auth, partner_key, funded, auth, enterprise, tbtc):
    connection, second = funded
    body = settlement_body(
        {str(connection.pk): {"tbtc": "-30"}, str(second.pk): {"tbtc": "-20"}}, partner_key, notes="Day 1"
    )
    created = api.post(v1(partner.enterprise, "partners/settlements"), body, format="json", **partner_auth).json()
    settlement_id = created["settlement"]["id"]

    partner_list = api.get(v1(partner.enterprise, "partners/settlements"), **partner_auth)
    partner_detail = api.get(v1(partner.enterprise, f"partners/settlements/{settlement_id}"), **partner_auth)
    client_list = api.get(v1(enterprise, "clients/settlements"), **auth)
    client_detail = api.get(v1(enterprise, f"clients/settlements/{settlement_id}"), **auth)
    client_transfers = api.get(v1(enterprise, "clients/settlementTransfers"), **auth)

    for response in (partner_list, partner_detail, client_list, client_detail, client_transfers):
        assert response.status_code == 200, response.json()
        assert_matches_reference(response)
    assert len(partner_detail.json()["settlementTransfers"]) == 2
    assert [t["quantity"] for t in client_detail.json()["settlementTransfers"]] == ["-30"]
    assert [t["quantity"] for t in client_transfers.json()["settlementTransfers"]] == ["-30"]
    assert client_list.json()["settlements"][0]["id"] == settlement_id


def test_signing_returns_the_payload_the_create_verifies(api, partner, partner_auth, partner_key, funded, tbtc):
    connection, _ = funded
    fields = {"externalId": "sign-1", "settlementAmounts": {str(connection.pk): {"tbtc": "-5"}}, "nonce": "abc"}
    url = v1(partner.enterprise, "partners/settlements-signing")
    by_post = api.post(url, fields, format="json", **partner_auth)
    by_get = api.generic("GET", url, json.dumps(fields), content_type="application/json", **partner_auth)

    assert by_post.status_code == by_get.status_code == 200, by_post.json()
    assert_matches_reference(by_post)
    payload = by_post.json()["payload"]
    assert by_get.json()["payload"] == payload and json.loads(payload) == fields
    body = {**fields, "payload": payload, "signature": sign_message(partner_key.private_key, payload)}
    created = api.post(
        v1(partner.enterprise, "partners/settlements/nonReconciled"), body, format="json", **partner_auth
    )
    assert created.status_code == 200, created.json()
    assert_matches_reference(created)
    assert held(connection, tbtc) == 995


def test_trade_signing_returns_the_trade_as_signed(api, partner, partner_auth, connection):
    trade = {
        "externalId": "t-1",
        "externalOrderId": "o-1",
        "partyConnectionId": str(connection.pk),
        "tradedAt": "2026-12-01T10:00:00Z",
        "base": {"currency": "tbtc", "quantity": "100"},
        "quote": {"currency": "tusd", "quantity": "-5000"},
    }
    url = v1(partner.enterprise, "partners/trades/signing")
    body = {"trade": trade, "nonce": "n-1"}
    response = api.generic("GET", url, json.dumps(body), content_type="application/json", **partner_auth)
    bad = api.generic(
        "GET",
        url,
        json.dumps({"trade": {**trade, "quote": {"currency": "tusd", "quantity": "5"}}, "nonce": "n"}),
        content_type="application/json",
        **partner_auth,
    )

    assert response.status_code == 200, response.json()
    assert_matches_reference(
        response, method="GET", path="/api/network/v1/enterprises/{enterpriseId}/partners/trades/signing"
    )
    assert json.loads(response.json()["payload"]) == body
    assert bad.status_code == 400
