"""Allocations and deallocations through the network API: every outcome, every refusal, idempotency, and that a
400 writes nothing. Every response is checked against the reference contract."""

import json

import pytest

from allocations.models import Allocation, LedgerTransaction
from allocations.selectors.ledger import ledger_differences
from organizations.models import UsedNonce
from organizations.signing import sign_message
from tests.allocations.conftest import balances, fund, signed_request
from tests.contracts import assert_matches_reference
from tests.factories.organizations import OrganizationFactory, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, CurrencyFactory
from tests.partners.conftest import network_error, network_token, url

pytestmark = pytest.mark.django_db


def post(api, enterprise, auth, connection, body, kind="allocations"):
    return api.post(url(enterprise, f"clients/connections/{connection.pk}/{kind}"), body, format="json", **auth)


def assert_nothing_written():
    assert not Allocation.objects.exists()
    assert not UsedNonce.objects.exists()
    assert not LedgerTransaction.objects.exclude(kind="deposit").exists()


# --- allocations ----------------------------------------------------------------------------------------------


def test_a_cleared_allocation_moves_funds_to_the_connection(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key, quantity="400", notes="first allocation")
    response = post(api, enterprise, auth, connection, body)
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    allocation = response.json()["allocation"]
    assert allocation["status"] == "cleared" and allocation["retriable"] is False
    assert allocation["amount"] == {"currency": "tbtc", "quantity": "400"}
    assert allocation["connectionId"] == str(connection.pk)
    assert allocation["clientExternalId"] == body["clientExternalId"]
    assert allocation["notes"] == "first allocation" and allocation["initiatedBy"]
    assert "reason" not in allocation and "type" not in allocation
    assert balances(connection, tbtc) == {"available": 600, "held": 400, "reserved": 0}
    stored = Allocation.objects.get()
    assert (stored.type, stored.payload, stored.signature) == ("allocation", body["payload"], body["signature"])
    assert ledger_differences() == []


def test_the_signing_endpoint_payload_verifies(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 10)
    request = {"amount": {"currency": "tbtc", "quantity": "10"}, "clientExternalId": "ext-1", "nonce": "n-1"}
    for method in (api.post, api.generic):
        args = ("GET",) if method == api.generic else ()
        signing_url = url(enterprise, f"clients/connections/{connection.pk}/allocations/signing")
        if args:
            response = api.generic("GET", signing_url, json.dumps(request), content_type="application/json", **auth)
        else:
            response = api.post(signing_url, request, format="json", **auth)
            assert_matches_reference(response)
        assert response.status_code == 200, response.content
        payload = response.json()["payload"]
    assert json.loads(payload) == {"connectionId": str(connection.pk), **request}
    assert list(json.loads(payload)) == ["connectionId", "amount", "clientExternalId", "nonce"]
    body = {**request, "payload": payload, "signature": sign_message(signing_key.private_key, payload)}
    response = post(api, enterprise, auth, connection, body)
    assert response.status_code == 200 and response.json()["allocation"]["status"] == "cleared"


def test_any_key_order_of_the_payload_verifies(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 10)
    order = ["nonce", "clientExternalId", "amount", "connectionId"]
    response = post(
        api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="10", order=order)
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("setup", "name"),
    [
        ("poor", "InsufficientFunds"),
        ("unsupported", "CurrencyNotSupported"),
        ("inactive", "ConnectionInactive"),
        ("partner_inactive", "PartnerInactive"),
    ],
)
def test_a_refused_allocation_is_stored_released_and_answered_422(
    api, enterprise, auth, connection, signing_key, tbtc, setup, name
):
    fund(connection.client, tbtc, 50 if setup == "poor" else 1_000)
    currency = "tbtc"
    if setup == "unsupported":
        currency = CurrencyFactory(code="zzz").code
    elif setup == "inactive":
        connection.active = False
        connection.save()
    elif setup == "partner_inactive":
        connection.partner.active = False
        connection.partner.save()
    response = post(api, enterprise, auth, connection, signed_request(connection, signing_key, currency=currency))
    assert response.status_code == 422, response.content
    assert_matches_reference(response)
    body = response.json()
    assert body["name"] == name and body["error"]
    assert body["allocation"]["status"] == "released" and body["allocation"]["reason"] == body["error"]
    assert Allocation.objects.get().status == "released"
    assert balances(connection, tbtc)["held"] == 0
    assert UsedNonce.objects.count() == 1  # the request was valid and signed: its nonce is spent


def test_a_retry_with_the_same_body_answers_the_original_and_moves_money_once(
    api, enterprise, auth, connection, signing_key, tbtc
):
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key, quantity="300")
    first = post(api, enterprise, auth, connection, body)
    second = post(api, enterprise, auth, connection, body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert Allocation.objects.count() == 1
    assert balances(connection, tbtc) == {"available": 700, "held": 300, "reserved": 0}


def test_a_retry_of_a_refused_allocation_answers_the_same_422(api, enterprise, auth, connection, signing_key):
    body = signed_request(connection, signing_key)
    first, second = (post(api, enterprise, auth, connection, body) for _ in range(2))
    assert first.status_code == second.status_code == 422
    assert first.json()["allocation"] == second.json()["allocation"]
    assert Allocation.objects.count() == 1


def test_the_same_external_id_with_another_body_is_409(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    post(api, enterprise, auth, connection, signed_request(connection, signing_key, external_id="ext-1"))
    other = signed_request(connection, signing_key, external_id="ext-1", quantity="101")
    response = post(api, enterprise, auth, connection, other)
    assert network_error(response, 409) == "AllocationIdConflict"
    assert_matches_reference(response, method="PUT", path=url(enterprise, "partners/allocations"))  # 409 shape
    assert balances(connection, tbtc)["held"] == 100


def test_a_replayed_nonce_is_400(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    post(api, enterprise, auth, connection, signed_request(connection, signing_key, nonce="n-1"))
    response = post(api, enterprise, auth, connection, signed_request(connection, signing_key, nonce="n-1"))
    assert network_error(response, 400) == "NonceReused"
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize("quantity", ["abc", "0", "-5", "1" * 79, "01", "1.5", " 1", 100, "", "1e3", "١٢"], ids=repr)
def test_a_malformed_amount_is_400_and_writes_nothing(api, enterprise, auth, connection, signing_key, tbtc, quantity):
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key)
    body["amount"]["quantity"] = quantity
    response = post(api, enterprise, auth, connection, body)
    assert network_error(response, 400) == "InvalidRequestError"
    assert_matches_reference(response)
    assert_nothing_written()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", "ext\u202e1"),  # bidi override
        ("external_id", "ext\t1"),
        ("external_id", "ext\n1"),
        ("external_id", "ext\u200b1"),  # zero-width space
        ("notes", "pay \u202eme"),
        ("notes", "pay\tme"),
        ("notes", "pay\x1bme"),
    ],
    ids=repr,
)
def test_invisible_or_control_characters_in_displayed_text_are_400(
    api, enterprise, auth, connection, signing_key, tbtc, field, value
):
    """Partner pages display clientExternalId and notes: no characters that spoof or garble them, like names."""
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key, **{field: value})

    response = post(api, enterprise, auth, connection, body)

    assert network_error(response, 400) == "InvalidRequestError"
    assert response.json()["details"][0]["field"] == {"external_id": "clientExternalId", "notes": "notes"}[field]
    assert_nothing_written()


def test_notes_may_hold_newlines(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key, notes="first line\nsecond line\r\nthird")
    response = post(api, enterprise, auth, connection, body)
    assert response.status_code == 200, response.content
    assert response.json()["allocation"]["notes"] == "first line\nsecond line\r\nthird"


@pytest.mark.parametrize("problem", ["signature", "payload", "other_key", "unknown_currency", "missing_field"])
def test_a_bad_signed_request_is_400_and_writes_nothing(api, enterprise, auth, connection, signing_key, tbtc, problem):
    fund(connection.client, tbtc, 1_000)
    body = signed_request(connection, signing_key)
    if problem == "signature":
        body["signature"] = "00" * 65
    elif problem == "payload":
        body["amount"] = {"currency": "tbtc", "quantity": "900"}  # the body says 900, the signed payload 100
    elif problem == "other_key":
        body = signed_request(connection, SigningKeyFactory(organization=OrganizationFactory()))
    elif problem == "unknown_currency":
        body = signed_request(connection, signing_key, currency="nope")
    else:
        del body["clientExternalId"]
    response = post(api, enterprise, auth, connection, body)
    assert response.status_code == 400, response.content
    assert_matches_reference(response)
    assert_nothing_written()
    assert balances(connection, tbtc)["available"] == 1_000


def test_another_enterprises_connection_is_404(api, enterprise, auth, signing_key, partner, tbtc):
    foreign = ConnectionFactory(partner=partner)
    fund(foreign.client, tbtc, 1_000)
    response = post(api, enterprise, auth, foreign, signed_request(foreign, signing_key))
    assert network_error(response, 404) == "ConnectionNotFound"
    assert_matches_reference(response)
    assert_nothing_written()


def test_reading_only_is_403(api, enterprise, connection, signing_key):
    token = network_token(enterprise, permissions=["READ_NETWORK"])
    response = post(api, enterprise, token, connection, signed_request(connection, signing_key))
    assert response.status_code == 403
    assert_nothing_written()


# --- deallocations ----------------------------------------------------------------------------------------------


def test_a_deallocation_returns_held_funds(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    post(api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="400"))
    response = post(
        api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="150"), "deallocations"
    )
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    assert response.json()["deallocation"]["status"] == "cleared"
    assert balances(connection, tbtc) == {"available": 750, "held": 250, "reserved": 0}
    assert ledger_differences() == []


def test_a_deallocation_beyond_the_held_balance_is_422(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    post(api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="100"))
    response = post(
        api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="101"), "deallocations"
    )
    assert response.status_code == 422, response.content
    assert_matches_reference(response)
    body = response.json()
    assert body["name"] == "InsufficientFunds" and body["deallocation"]["status"] == "released"
    assert balances(connection, tbtc) == {"available": 900, "held": 100, "reserved": 0}


def test_a_deallocation_works_on_an_inactive_connection(api, enterprise, auth, connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    post(api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="100"))
    connection.active = False
    connection.save()
    response = post(
        api, enterprise, auth, connection, signed_request(connection, signing_key, quantity="100"), "deallocations"
    )
    assert response.status_code == 200, response.content
    assert balances(connection, tbtc) == {"available": 1_000, "held": 0, "reserved": 0}


def test_the_deallocation_signing_endpoint(api, enterprise, auth, connection, signing_key):
    request = {"amount": {"currency": "tbtc", "quantity": "5"}, "clientExternalId": "d-1", "nonce": "n", "notes": "x"}
    response = api.post(
        url(enterprise, f"clients/connections/{connection.pk}/deallocations/signing"), request, format="json", **auth
    )
    assert response.status_code == 200
    assert_matches_reference(response)
    assert json.loads(response.json()["payload"]) == {"connectionId": str(connection.pk), **request}
