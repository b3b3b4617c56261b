"""Every settlement create refuses bad input with the network dialect's error and writes nothing."""

import json
import uuid

import pytest

from organizations.models import UsedNonce
from settlements.models import Settlement, SettlementTransfer
from tests.contracts import assert_matches_reference
from tests.factories.partners import ConnectionFactory, PartnerFactory
from tests.settlements.conftest import allocate, settlement_body, sign, v1

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(partner):
    return v1(partner.enterprise, "partners/settlements")


@pytest.fixture
def amounts(connection, tbtc):
    allocate(connection, tbtc, 1_000)
    return {str(connection.pk): {"tbtc": "-10"}}


def refused(api, url, body, auth, status=400):
    response = api.post(url, body, format="json", **auth)
    assert response.status_code == status, response.json()
    assert set(response.json()) >= {"error", "name", "requestId"}
    assert_matches_reference(response)
    assert not Settlement.objects.exists() and not SettlementTransfer.objects.exists()
    return response.json()


def test_a_signature_of_another_key(api, url, amounts, partner_auth, signing_key):
    body = settlement_body(amounts, signing_key)  # the client's key, not the partner's
    assert refused(api, url, body, partner_auth)["name"] == "InvalidSignature"


def test_a_payload_that_is_not_the_body(api, url, amounts, partner_auth, partner_key):
    body = settlement_body(amounts, partner_key)
    body["externalId"] = "another"
    assert refused(api, url, body, partner_auth)["name"] == "PayloadMismatch"


def test_a_reused_nonce(api, url, amounts, partner_auth, partner_key, connection, tbtc):
    first = settlement_body(amounts, partner_key, nonce="n-1")
    assert api.post(url, first, format="json", **partner_auth).status_code == 200
    second = settlement_body({str(connection.pk): {"tbtc": "-1"}}, partner_key, nonce="n-1")
    response = api.post(url, second, format="json", **partner_auth)
    assert response.status_code == 400 and response.json()["name"] == "NonceReused"
    assert Settlement.objects.count() == 1


@pytest.mark.parametrize(
    "amounts",
    [
        {},
        {"not-a-uuid": {"tbtc": "-1"}},
        {"CONNECTION": {"tbtc": -1}},
        {"CONNECTION": {"tbtc": "-1.5"}},
        {"CONNECTION": {"tbtc": "0"}},
        {"CONNECTION": {"tbtc": "01"}},
        {"CONNECTION": {"tbtc": "1" * 79}},
        {"CONNECTION": {"tbtc": " 1"}},
        {"CONNECTION": {}},
        {"CONNECTION": {"CONNECTION": {"tbtc": "1"}}},
        {"CONNECTION": "x"},
        [],
    ],
    ids=[
        "empty",
        "not a uuid",
        "a number",
        "a fraction",
        "zero",
        "leading zero",
        "79 digits",
        "space",
        "no currency",
        "itself as counterparty",
        "not an object",
        "a list",
    ],
)
def test_malformed_amounts(api, url, partner_auth, partner_key, connection, amounts):
    text = json.dumps(amounts).replace("CONNECTION", str(connection.pk))
    body = settlement_body(json.loads(text), partner_key)
    refused(api, url, body, partner_auth)


def test_a_connection_of_another_partner_and_an_unknown_one(api, url, partner_auth, partner_key, tbtc):
    other = ConnectionFactory(partner=PartnerFactory())
    for connection_id in (other.pk, uuid.uuid4()):
        body = settlement_body({str(connection_id): {"tbtc": "-1"}}, partner_key)
        error = refused(api, url, body, partner_auth)
        assert error["details"][0]["field"] == f"settlementAmounts.{connection_id}"
        assert error["error"] == "Not a connection to this partner." or "connection" in error["error"]


def test_an_unknown_currency(api, url, partner_auth, partner_key, connection):
    body = settlement_body({str(connection.pk): {"nocoin": "-1"}}, partner_key)
    refused(api, url, body, partner_auth)


def test_the_same_connection_twice_in_different_spellings(api, url, partner_auth, partner_key, connection):
    fields = {
        "externalId": "dup",
        "settlementAmounts": {str(connection.pk): {"tbtc": "-1"}, str(connection.pk).upper(): {"tbtc": "-2"}},
        "nonce": "n",
    }
    payload, signature = sign(fields, partner_key)
    refused(api, url, {**fields, "payload": payload, "signature": signature}, partner_auth)


def test_a_client_cannot_settle(api, enterprise, auth, signing_key, connection):
    body = settlement_body({str(connection.pk): {"tbtc": "-1"}}, signing_key)
    response = api.post(v1(enterprise, "partners/settlements"), body, format="json", **auth)
    assert response.status_code == 404 and response.json()["name"] == "PartnerNotFound"


def test_nothing_is_left_behind_by_a_refusal(api, url, amounts, partner_auth, partner_key):
    body = settlement_body(amounts, partner_key)
    body["signature"] = "00" * 65
    refused(api, url, body, partner_auth)
    assert not UsedNonce.objects.filter(nonce=body["nonce"]).exists()
