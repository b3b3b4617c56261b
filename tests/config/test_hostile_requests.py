"""Requests built to break the edge answer a 4xx in the dialect's shape, never a 500 (issue #5, item 12)."""

import json
import time
import uuid

import jwt
import pytest
from drf_spectacular.generators import SchemaGenerator

from config.api.renderers import BrowsableAPIRenderer, JSONRenderer
from organizations.api.views import MemberViewSet
from organizations.tokens import signing_key
from tests.conftest import bearer, org_headers
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import LicenseFactory, MembershipFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory

pytestmark = pytest.mark.django_db

# Every API operation that reads a request body (checked against the schema below).
BODY_OPERATIONS = [
    ("POST", "/api/v1/oauth2/token"),
    ("POST", "/api/v1/auth/token"),
    ("PATCH", "/api/v1/members/{id}"),
    ("POST", "/api/v1/guest-invitations"),
    ("POST", "/api/v1/member-invitations"),
    ("POST", "/api/v1/partners/{id}/invite"),
    ("PATCH", "/api/v1/guest-connections/{guest_org_id}"),
    ("POST", "/api/v1/api-clients"),
    ("POST", "/api/v1/signing-keys"),
]
# Operations whose body is multipart/form-data (a file): their files are limited by REQUEST_MAX_BYTES and their own
# limits (tests/organization_partners/pages/), their other fields by DATA_UPLOAD_MAX_MEMORY_SIZE (below).
MULTIPART_BODY_OPERATIONS = [
    ("POST", "/api/v1/partners/import"),
]
NETWORK_BODY_OPERATIONS = [
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/partners"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/signing"),
    ("PUT", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{id}"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/allocations"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/allocations/signing"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/deallocations"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/deallocations/signing"),
    ("PUT", "/api/network/v1/enterprises/{enterpriseId}/partners/allocations"),
    ("PUT", "/api/network/v1/enterprises/{enterpriseId}/partners/deallocations"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/partners/settlements"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/partners/settlements/nonReconciled"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/partners/settlements-signing"),
    ("POST", "/api/network/v2/enterprises/{enterpriseId}/partners/settlements"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/settlements/{settlementId}/disputes"),
    ("PUT", "/api/network/v1/enterprises/{enterpriseId}/clients/settlements/disputes/{disputeId}"),
    ("POST", "/api/network/v1/enterprises/{enterpriseId}/clients/settlements/disputes/{disputeId}/close"),
]
# Organization partners, in the organization dialect ({id}: a partner record) and seed 001's.
PARTNER_BODY_OPERATIONS = [("POST", "/api/v1/partners"), ("PATCH", "/api/v1/partners/{id}")]
SERVITLY_BODY_OPERATIONS = [("POST", "/api/servitly/network/partners")]


@pytest.fixture
def caller(organization, client_token):
    """Headers of an API client holding every permission, and a member to address in paths."""
    membership = MembershipFactory(organization=organization, role="viewer")
    return {**client_token, **org_headers(organization)}, {"id": membership.pk, "guest_org_id": organization.pk}


def send(api, method: str, path: str, *, content: bytes | str, content_type: str, headers: dict):
    return getattr(api, method.lower())(path, data=content, content_type=content_type, **headers)


def test_every_operation_with_a_body_is_listed_here():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_body = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert with_body == {
        *BODY_OPERATIONS,
        *MULTIPART_BODY_OPERATIONS,
        *NETWORK_BODY_OPERATIONS,
        *PARTNER_BODY_OPERATIONS,
        *SERVITLY_BODY_OPERATIONS,
    }


@pytest.mark.parametrize(("method", "path"), PARTNER_BODY_OPERATIONS + SERVITLY_BODY_OPERATIONS)
def test_a_body_over_the_upload_limit_answers_413_on_partner_operations(
    api, organization, client_token, settings, method, path
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    partner = OrganizationPartnerFactory(organization=organization)
    headers = {**client_token, **org_headers(organization), "HTTP_X_SERVITLY_TENANT": organization.slug}
    body = json.dumps({"name": "x" * 2_000, "company_name": "x" * 2_000})

    response = send(
        api, method, path.format(id=partner.pk), content=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 413
    message = "The request body is larger than the 1000 bytes this API accepts."
    if path.startswith("/api/servitly/"):
        assert response.json() == {"message": message}
    else:
        assert response.json()["detail"][0]["msg"] == message


@pytest.mark.parametrize(("method", "path"), MULTIPART_BODY_OPERATIONS)
def test_a_multipart_field_over_the_upload_limit_answers_413(api, caller, settings, method, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    headers, _ = caller

    response = getattr(api, method.lower())(path, {"dry_run": "x" * 2_000}, format="multipart", **headers)

    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "payload_too_large"


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_a_body_over_the_upload_limit_answers_413(api, caller, settings, method, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    headers, path_params = caller
    body = json.dumps({"name": "x" * 2_000, "client_id": "x" * 2_000, "role": "viewer"})

    response = send(
        api, method, path.format(**path_params), content=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": [
            {
                "loc": [],
                "msg": "The request body is larger than the 1000 bytes this API accepts.",
                "type": "payload_too_large",
                "code": "payload_too_large",
            }
        ]
    }


@pytest.mark.parametrize(("method", "path"), NETWORK_BODY_OPERATIONS)
def test_a_body_over_the_upload_limit_answers_413_in_the_network_shape(
    api, organization, client_token, settings, method, path
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    LicenseFactory(organization=organization)
    connection = ConnectionFactory(client=NetworkClientFactory(enterprise=organization))
    url = path.format(
        enterpriseId=organization.pk,
        id=connection.pk,
        connectionId=connection.pk,
        settlementId=uuid.uuid4(),
        disputeId=uuid.uuid4(),
    )
    body = json.dumps({"name": "x" * 2_000})

    response = send(api, method, url, content=body, content_type="application/json", headers=client_token)

    assert response.status_code == 413
    assert response.json()["error"] == "The request body is larger than the 1000 bytes this API accepts."
    assert set(response.json()) == {"error", "name", "requestId"}


def test_a_form_body_with_too_many_fields_answers_422(api):
    body = "&".join(f"f{i}=x" for i in range(1_001))

    response = api.post("/api/v1/oauth2/token", data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "The request has more than 1000 fields."


def test_a_query_string_with_too_many_fields_answers_422(api, caller):
    headers, _ = caller
    query = "&".join(f"f{i}=x" for i in range(1_001))

    response = api.get(f"/api/v1/members?{query}", **headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "The request has more than 1000 fields."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/oauth2/token", '{"client_id": "a", "client_secret": "b", "grant_type": "\\ud800"}'),
        ("PATCH", "/api/v1/members/{id}", '{"role": "\\ud800"}'),
        ("POST", "/api/v1/member-invitations", '{"email": "someone@example.com", "role": "\\udfff"}'),
    ],
)
def test_a_lone_surrogate_in_a_choice_is_refused_not_a_crash(api, caller, method, path, body):
    headers, path_params = caller

    response = send(
        api, method, path.format(**path_params), content=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/json"
    assert "\ufffd" in response.json()["detail"][0]["msg"]  # shown as the replacement character


def test_a_lone_surrogate_renders_in_the_browsable_api_too(api, caller, monkeypatch):
    # The browsable API is served in DEBUG only (config/settings/local.py); DRF reads the renderers at import.
    monkeypatch.setattr(MemberViewSet, "renderer_classes", [JSONRenderer, BrowsableAPIRenderer])
    headers, path_params = caller

    response = api.patch(
        f"/api/v1/members/{path_params['id']}",
        data='{"role": "\\ud800"}',
        content_type="application/json",
        HTTP_ACCEPT="text/html",
        **headers,
    )

    assert response.status_code == 422  # rendered as HTML first; API paths then answer errors in JSON


@pytest.mark.parametrize("subject", ["user:²", "user:\u0661", "user:99999999999999999999999"])
def test_a_token_whose_user_id_is_not_an_ascii_integer_is_refused(api, organization, subject):
    now = int(time.time())
    claims = {"sub": subject, "org": str(organization.pk), "iat": now, "exp": now + 60, "iss": "partner-network"}
    token = jwt.encode(claims, signing_key(), algorithm="HS256")

    response = api.get("/api/v1/organization", **bearer(token), **org_headers(organization))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "path, shape",
    [
        ("/api/v1/organizations", {"detail"}),
        (f"/api/network/v1/enterprises/{uuid.uuid4()}/partners", {"error", "name", "requestId"}),
        ("/api/servitly/network/partners", {"message"}),
    ],
)
def test_an_invalid_host_header_is_refused_in_the_dialect_not_as_an_html_page(client, path, shape):
    """Found by schemathesis (random run): Django's middleware refuses a bad `Host` before any view, with its HTML
    400 page; on API paths `handler400` answers in the dialect."""
    response = client.get(path, HTTP_HOST="L2q~8wun&BcT,")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert shape <= set(response.json())


def test_an_invalid_host_header_on_a_page_keeps_the_html_answer(client):
    response = client.get("/organizations/signing-keys", HTTP_HOST="L2q~8wun&BcT,")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
