"""X-Request-ID: kept when the caller sends a plain one, generated otherwise, echoed on every response and
carried as `requestId` in the network dialect's error bodies (DESIGN.md §2)."""

import re

import pytest

pytestmark = pytest.mark.django_db

HEADER = "X-Request-ID"
# What a generated or accepted id looks like: short and plain, safe in logs and headers.
PLAIN_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


@pytest.mark.parametrize("request_id", ["abc-123", "0f1e2d3c4b5a", "trace.id:42_x", "r" * 128])
def test_a_valid_request_id_is_echoed(client, request_id):
    response = client.get("/healthz", headers={HEADER: request_id})

    assert response[HEADER] == request_id


def test_a_request_id_is_generated_when_absent(client):
    first = client.get("/healthz")[HEADER]
    second = client.get("/healthz")[HEADER]

    assert PLAIN_ID.match(first)
    assert PLAIN_ID.match(second)
    assert first != second


@pytest.mark.parametrize(
    "malformed",
    [
        "has spaces in it",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "r" * 129,
        'quote"d',
        "<script>",
        "",
    ],
    ids=["spaces", "newline", "carriage-return", "tab", "129-chars", "quote", "markup", "empty"],
)
def test_a_malformed_request_id_is_replaced(client, malformed):
    # META directly: the test client's `headers=` would refuse some of these values before they reach the app.
    response = client.get("/healthz", HTTP_X_REQUEST_ID=malformed)

    assert response[HEADER] != malformed
    assert PLAIN_ID.match(response[HEADER])


def test_unknown_network_path_is_a_json_404_with_the_request_id(client):
    response = client.get("/api/network/v1/nope", headers={HEADER: "req-404-network"})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response[HEADER] == "req-404-network"
    body = response.json()
    assert set(body) == {"error", "name", "requestId"}
    assert body["name"] == "NotFoundError"
    assert body["requestId"] == "req-404-network"


def test_network_error_body_carries_the_generated_request_id(client):
    response = client.get("/api/network/v1/nope", HTTP_X_REQUEST_ID="not valid\n")

    assert response.status_code == 404
    assert response.json()["requestId"] == response[HEADER]
    assert PLAIN_ID.match(response[HEADER])


def test_unknown_organization_api_path_is_a_json_404_in_the_detail_shape(client):
    response = client.get("/api/v1/nope", headers={HEADER: "req-404-org"})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response[HEADER] == "req-404-org"
    body = response.json()
    assert set(body) == {"detail"}
    assert isinstance(body["detail"], list)
    assert body["detail"]
    assert set(body["detail"][0]) == {"loc", "msg", "type", "code"}
    assert body["detail"][0]["type"] == "not_found"


def test_organization_error_body_has_no_request_id_but_the_header_does(client):
    # The network dialect's bodies carry requestId (tests/organizations/test_dialects.py); this one has no field for it.
    response = client.post("/api/v1/oauth2/token", {}, content_type="application/json", headers={HEADER: "req-422"})

    assert response.status_code == 422
    assert response[HEADER] == "req-422"
    assert response.json()["detail"][0] == {
        "loc": ["body", "client_id"],
        "msg": "This field is required.",
        "type": "missing",
        "code": "required",
    }
