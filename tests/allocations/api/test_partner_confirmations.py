"""Asynchronous partners: allocations and deallocations are reserved, then the partner clears or releases each one
exactly once (PUT .../partners/allocations and .../partners/deallocations, signed by the partner)."""

import pytest

from allocations.models import Allocation
from allocations.selectors.ledger import ledger_differences
from tests.allocations.conftest import balances, fund, partner_update, signed_request
from tests.contracts import assert_matches_reference
from tests.partners.conftest import network_error, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def async_connection(connection):
    connection.partner.config.async_allocations_enabled = True
    connection.partner.config.save()
    return connection


def create(api, enterprise, auth, connection, key, quantity, kind="allocations"):
    body = signed_request(connection, key, quantity=quantity)
    response = api.post(url(enterprise, f"clients/connections/{connection.pk}/{kind}"), body, format="json", **auth)
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    return response.json()[kind[:-1]]


def put(api, partner, partner_auth, body, kind="allocations"):
    return api.put(url(partner.enterprise, f"partners/{kind}"), body, format="json", **partner_auth)


@pytest.fixture
def reserved(api, enterprise, auth, async_connection, signing_key, tbtc):
    fund(async_connection.client, tbtc, 1_000)
    allocation = create(api, enterprise, auth, async_connection, signing_key, "400")
    assert allocation["status"] == "reserved" and allocation["reason"]
    assert balances(async_connection, tbtc) == {"available": 600, "held": 0, "reserved": 400}
    return Allocation.objects.get(pk=allocation["id"])


def test_the_partner_clears_a_reserved_allocation(api, partner, partner_auth, partner_key, reserved, tbtc):
    response = put(api, partner, partner_auth, partner_update(reserved, partner_key))
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    assert response.json()["allocationId"] == str(reserved.pk)
    assert balances(reserved.connection, tbtc) == {"available": 600, "held": 400, "reserved": 0}
    reserved.refresh_from_db()
    assert reserved.status == "cleared" and reserved.partner_external_id == f"p-{reserved.pk}"
    assert ledger_differences() == []


def test_the_partner_releases_a_reserved_allocation(api, partner, partner_auth, partner_key, reserved, tbtc):
    body = partner_update(reserved, partner_key, status="released", reason="KYC pending")
    response = put(api, partner, partner_auth, body)
    assert response.status_code == 200, response.content
    assert balances(reserved.connection, tbtc) == {"available": 1_000, "held": 0, "reserved": 0}
    detail = api.get(url(partner.enterprise, f"partners/allocations/{reserved.pk}"), **partner_auth)
    assert_matches_reference(detail)
    assert detail.json()["allocation"]["status"] == "released"
    assert detail.json()["allocation"]["reason"] == "KYC pending"


def test_the_same_final_status_again_answers_the_same_and_moves_nothing(
    api, partner, partner_auth, partner_key, reserved, tbtc
):
    first = put(api, partner, partner_auth, partner_update(reserved, partner_key))
    second = put(api, partner, partner_auth, partner_update(reserved, partner_key))
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert balances(reserved.connection, tbtc) == {"available": 600, "held": 400, "reserved": 0}


def test_the_other_final_status_afterwards_is_409(api, partner, partner_auth, partner_key, reserved, tbtc):
    put(api, partner, partner_auth, partner_update(reserved, partner_key))
    response = put(api, partner, partner_auth, partner_update(reserved, partner_key, status="released", reason="no"))
    assert network_error(response, 409) == "AllocationAlreadyFinal"
    assert_matches_reference(response)
    assert balances(reserved.connection, tbtc) == {"available": 600, "held": 400, "reserved": 0}


def test_a_release_without_reason_is_400(api, partner, partner_auth, partner_key, reserved):
    response = put(api, partner, partner_auth, partner_update(reserved, partner_key, status="released"))
    assert network_error(response, 400) == "InvalidRequestError"
    assert_matches_reference(response)


def test_a_body_that_does_not_describe_the_allocation_is_422(api, partner, partner_auth, partner_key, reserved):
    body = partner_update(reserved, partner_key, amount={"currency": "tbtc", "quantity": "399"})
    response = put(api, partner, partner_auth, body)
    assert network_error(response, 422) == "AllocationMismatch"
    assert_matches_reference(response)


def test_a_bad_partner_signature_is_400_and_changes_nothing(
    api, partner, partner_auth, partner_key, reserved, signing_key, tbtc
):
    response = put(api, partner, partner_auth, partner_update(reserved, signing_key))  # the client's key
    assert network_error(response, 400) == "InvalidSignature"
    reserved.refresh_from_db()
    assert reserved.status == "reserved"
    assert balances(reserved.connection, tbtc)["reserved"] == 400


def test_another_partners_allocation_is_404(api, enterprise, auth, partner_key, reserved):
    # The client's own enterprise is not the partner: it cannot confirm its own allocation.
    response = api.put(
        url(enterprise, "partners/allocations"), partner_update(reserved, partner_key), format="json", **auth
    )
    assert network_error(response, 404) == "AllocationNotFound"
    assert_matches_reference(response)


def test_a_reserved_deallocation_is_cleared_or_released(
    api, enterprise, auth, async_connection, signing_key, partner, partner_auth, partner_key, reserved, tbtc
):
    put(api, partner, partner_auth, partner_update(reserved, partner_key))  # 400 held
    first = create(api, enterprise, auth, async_connection, signing_key, "100", "deallocations")
    second = create(api, enterprise, auth, async_connection, signing_key, "50", "deallocations")
    assert first["status"] == second["status"] == "reserved"
    assert balances(async_connection, tbtc) == {"available": 600, "held": 250, "reserved": 150}
    first_record, second_record = Allocation.objects.get(pk=first["id"]), Allocation.objects.get(pk=second["id"])
    response = put(
        api, partner, partner_auth, partner_update(first_record, partner_key, kind="deallocation"), "deallocations"
    )
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    assert response.json()["deallocationId"] == first["id"]
    body = partner_update(second_record, partner_key, kind="deallocation", status="released", reason="locked")
    assert put(api, partner, partner_auth, body, "deallocations").status_code == 200
    assert balances(async_connection, tbtc) == {"available": 700, "held": 300, "reserved": 0}
    assert ledger_differences() == []


def test_an_allocation_id_on_the_deallocation_route_is_404(api, partner, partner_auth, partner_key, reserved):
    body = partner_update(reserved, partner_key, kind="deallocation")
    response = put(api, partner, partner_auth, body, "deallocations")
    assert network_error(response, 404) == "AllocationNotFound"


def test_a_repeat_on_a_final_allocation_is_checked_as_any_update(
    api, partner, partner_auth, partner_key, reserved, signing_key, tbtc
):
    """Found by schemathesis against the reference: a repeat answered without checking the signature."""
    assert put(api, partner, partner_auth, partner_update(reserved, partner_key)).status_code == 200
    forged = put(api, partner, partner_auth, partner_update(reserved, signing_key))  # the client's key

    assert forged.status_code == 400 and forged.json()["name"] == "InvalidSignature"


def test_an_allocation_that_never_waited_for_the_partner_is_409(
    api, enterprise, auth, connection, signing_key, partner, partner_auth, partner_key, tbtc
):
    """A synchronous partner's allocation is cleared at once: an update of it answered `"partnersAllocationId": ""`,
    which the reference's schema refuses."""
    fund(connection.client, tbtc, 1_000)
    allocation = create(api, enterprise, auth, connection, signing_key, "100")
    assert allocation["status"] == "cleared"

    response = put(api, partner, partner_auth, partner_update(Allocation.objects.get(pk=allocation["id"]), partner_key))

    assert network_error(response, 409) == "AllocationAlreadyFinal"
    assert_matches_reference(response)
