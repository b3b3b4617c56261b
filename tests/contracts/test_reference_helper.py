"""The reference helper: valid bodies pass, each kind of mismatch fails with a message naming the field."""

import copy
import json
from pathlib import Path

import pytest
from django.http import HttpResponse, JsonResponse

from tests.contracts import (
    REFERENCE_FILE,
    ReferenceMismatch,
    assert_matches_reference,
    path_template,
    query_parameters,
    reference,
    reference_errors,
)

PARTNERS = "/api/network/v1/enterprises/{enterpriseId}/partners"

# The response seed 000 shows for a created partner, every field filled.
SEED_000_PARTNER = {
    "partner": {
        "id": "0b5e8f3c-6c1e-4d2a-9a57-3f0d7c1b2a90",
        "enterpriseId": "61f0c5c1a8d9e2000712e8a4",
        "trustOrg": "BitGo Trust",
        "institutionId": "5d8f2b1e-1c3a-4f6b-8e9d-0a1b2c3d4e5f",
        "institutionIdentifier": "ACME-EXCH",
        "name": "Acme Exchange",
        "connectionKeySchema": "tokenAndSignature",
        "createdAt": "2026-11-21T10:15:30.123Z",
        "updatedAt": "2026-11-21T10:15:30.123Z",
        "clientId": "8a4c2e1f-3b5d-4f7a-9c1e-2d4f6a8b0c1e",
        "broker": False,
        "active": True,
        "settlementTransactionRouteId": "route-1",
        "clientDisputeWindowMinutes": 1440,
        "topUpWindowMinutes": 60,
        "allocationPoliciesEnabled": False,
        "publicKey": "-----BEGIN PUBLIC KEY-----\nMIIB...\n-----END PUBLIC KEY-----\n",
    }
}


def errors_of(body, status=200):
    return reference_errors(body, method="POST", path=PARTNERS, status=status)


def changed(**fields):
    body = copy.deepcopy(SEED_000_PARTNER)
    for name, value in fields.items():
        if value is ...:
            del body["partner"][name]
        else:
            body["partner"][name] = value
    return body


def test_the_copy_is_the_reference_document():
    assert REFERENCE_FILE.read_text().startswith("openapi: 3.0")
    assert PARTNERS in reference()["paths"]
    index = (Path(REFERENCE_FILE).parent / "network-api.index.txt").read_text()
    assert f"POST  {PARTNERS}" in index


def test_seed_000_response_passes():
    assert errors_of(SEED_000_PARTNER) == []


def test_optional_fields_may_be_left_out():
    minimal = changed(
        institutionId=...,
        settlementTransactionRouteId=...,
        clientDisputeWindowMinutes=...,
        topUpWindowMinutes=...,
        publicKey=...,
    )
    assert errors_of(minimal) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ...}, "partner: 'name' is a required property"),
        ({"createdAt": ...}, "partner: 'createdAt' is a required property"),
        ({"trustOrg": "BitGo Mars"}, "partner.trustOrg: 'BitGo Mars' is not one of ['BitGo Trust'"),
        ({"connectionKeySchema": "password"}, "partner.connectionKeySchema: 'password' is not one of"),
        ({"broker": "false"}, "partner.broker: 'false' is not of type 'boolean'"),
        ({"clientDisputeWindowMinutes": "1440"}, "partner.clientDisputeWindowMinutes: '1440' is not of type 'number'"),
        ({"name": ""}, "partner.name: '' should be non-empty"),
        ({"createdAt": "21/11/2026"}, "partner.createdAt: '21/11/2026' is not a 'date-time'"),
        ({"publicKey": None}, "partner.publicKey: None is not of type 'string'"),  # not nullable in the reference
        ({"created_at": "2026-11-21T10:15:30Z"}, "partner.created_at: not a field the reference documents here"),
    ],
)
def test_a_mismatch_fails_naming_the_field_and_why(fields, expected):
    problems = errors_of(changed(**fields))
    (field,) = fields
    assert problems, "the mismatch went unnoticed"
    assert all(p.startswith((f"partner.{field}:", "partner:")) for p in problems), problems
    assert any(p.startswith(expected) for p in problems), problems


def test_the_wrapper_is_required():
    assert errors_of(SEED_000_PARTNER["partner"])[0] == "(the body): 'partner' is a required property"


def test_an_undocumented_status_fails():
    with pytest.raises(
        ReferenceMismatch, match=r"answered 201, which the reference does not document \(it documents 200, 400"
    ):
        errors_of(SEED_000_PARTNER, status=201)


def test_error_bodies_may_carry_the_dialects_extra_fields_but_need_error():
    assert errors_of({"error": "No partner config.", "name": "PartnerConfigMissing", "requestId": "r1"}, 422) == []
    assert errors_of({"name": "PartnerConfigMissing"}, 422) == ["(the body): 'error' is a required property"]


CONNECTION = {
    "connection": {
        "id": "3c1d9e2a-7b4f-4a6e-8d1c-5e2f7a9b0c3d",
        "name": "Globex at Acme",
        "clientId": "8a4c2e1f-3b5d-4f7a-9c1e-2d4f6a8b0c1e",
        "partnerId": "0b5e8f3c-6c1e-4d2a-9a57-3f0d7c1b2a90",
        "networkAccountId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "createdAt": "2026-11-21T10:15:30Z",
        "updatedAt": "2026-11-21T10:15:30Z",
        "active": True,
        "proof": "signature-hex",
        "nonce": "n-1",
        "partnersConnectionId": None,
        "partnersClientId": None,
        "initialized": False,
    }
}


def test_nullable_fields_take_null_and_nothing_else():
    get_connection = "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}"
    assert reference_errors(CONNECTION, method="GET", path=get_connection, status=200) == []
    body = copy.deepcopy(CONNECTION)
    body["connection"]["partnersConnectionId"] = 5
    assert reference_errors(body, method="GET", path=get_connection, status=200) == [
        "connection.partnersConnectionId: 5 is not of type 'string'"
    ]


DIRECTORY_ENTRY = {
    "id": "0b5e8f3c-6c1e-4d2a-9a57-3f0d7c1b2a90",
    "name": "Acme Exchange",
    "institutionIdentifier": "ACME-EXCH",
    "connectionKeySchema": "token",
    "active": True,
    "trustOrg": "BitGo Trust",
    "stablePartner": False,
}


def test_list_items_are_located_by_their_index():
    body = {"partners": [DIRECTORY_ENTRY, {**DIRECTORY_ENTRY, "id": 1}]}
    problems = reference_errors(body, method="GET", path=PARTNERS, status=200)
    assert problems == ["partners.1.id: 1 is not of type 'string'"]


def test_the_directory_lists_fewer_fields_than_the_create_answers():
    # The reference's partner directory entries have no timestamps, clientId or broker, and need stablePartner.
    body = {"partners": [SEED_000_PARTNER["partner"]]}
    problems = reference_errors(body, method="GET", path=PARTNERS, status=200)
    assert "partners.0: 'stablePartner' is a required property" in problems
    assert any(p.startswith("partners.0.createdAt: not a field the reference documents here") for p in problems)


def test_assert_matches_reference_reads_method_and_path_from_the_request():
    response = JsonResponse(SEED_000_PARTNER)
    response.request = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/network/v1/enterprises/61f0c5c1a8d9/partners"}
    assert_matches_reference(response)

    response = JsonResponse(changed(active="yes"))
    response.request = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/network/v1/enterprises/61f0c5c1a8d9/partners"}
    with pytest.raises(ReferenceMismatch) as failure:
        assert_matches_reference(response)
    message = str(failure.value)
    assert message.startswith(f"The 200 response to POST {PARTNERS} does not match the reference:\n")
    assert "  - partner.active: 'yes' is not of type 'boolean'" in message


def test_a_body_of_another_content_type_fails():
    response = HttpResponse(json.dumps(SEED_000_PARTNER), content_type="text/html")
    with pytest.raises(ReferenceMismatch, match="answered text/html; the reference documents application/json"):
        assert_matches_reference(response, method="POST", path=PARTNERS)


def test_an_operation_the_reference_lacks_fails():
    with pytest.raises(ReferenceMismatch, match=r"no DELETE .*/partners \(only GET, POST\)"):
        errors_of_delete = reference_errors({}, method="DELETE", path=PARTNERS, status=200)
        assert errors_of_delete is None
    with pytest.raises(ReferenceMismatch, match="no path matching /api/network/v1/nowhere"):
        path_template("/api/network/v1/nowhere")


def test_concrete_paths_find_the_most_literal_template():
    assert path_template("/api/network/v1/enterprises/e1/partners") == PARTNERS
    assert path_template("/api/network/v1/enterprises/e1/partners/connections") == f"{PARTNERS}/connections"
    assert (
        path_template("/api/network/v1/enterprises/e1/partners/connections/c1")
        == f"{PARTNERS}/connections/{{connectionId}}"
    )


def test_query_parameters_of_an_operation():
    assert list(query_parameters("GET", PARTNERS)) == [
        "pageNumber",
        "pageSize",
        "ids",
        "names",
        "institutionIds",
        "institutionIdentifiers",
        "active",
        "filterByTrustOrg",
        "allocationPoliciesEnabled",
    ]
    assert query_parameters("GET", PARTNERS)["active"] == {"type": "boolean"}
    assert query_parameters("POST", PARTNERS) == {}  # enterpriseId is a path parameter


def test_a_union_of_identical_schemas_takes_either_and_a_real_union_stays_strict():
    """`PositiveAllocationAmount` is oneOf two identical objects: read as anyOf, or no allocation could validate."""
    path = "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/allocations"
    allocation = {
        "id": "8f0c3f8e-1f7c-4f4e-9d55-0d8b7a1f2e10",
        "amount": {"currency": "tbtc", "quantity": "1"},
        "connectionId": "8f0c3f8e-1f7c-4f4e-9d55-0d8b7a1f2e10",
        "clientExternalId": "x",
        "initiatedBy": "u",
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "retriable": False,
        "status": "cleared",
    }
    assert reference_errors({"allocation": allocation}, method="post", path=path, status=200) == []
    # The 200 union (cleared or reserved) is of different schemas: a body neither describes still fails.
    assert reference_errors({"allocation": {**allocation, "status": "released"}}, method="post", path=path, status=200)
    assert reference_errors(
        {"allocation": {**allocation, "amount": {"currency": "tbtc"}}}, method="post", path=path, status=200
    )
