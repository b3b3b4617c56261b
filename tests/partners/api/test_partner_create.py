"""POST .../partners exactly as seed 000 says: every response field, and each error status in the network shape."""

import pytest

from organizations.models import PermissionCode
from partners.models import NetworkClient, Partner
from tests.factories.organizations import OrganizationFactory
from tests.factories.partners import PartnerConfigFactory, PartnerFactory
from tests.partners.conftest import network_token, url

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Acme Prime",
    "broker": False,
    "institutionId": "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    "institutionIdentifier": "acme-prime",
    "connectionKeySchema": "apiKeyAndSecret",
    "clientDisputeWindowMinutes": 60,
    "topUpWindowMinutes": 30,
    "allocationPoliciesEnabled": True,
}
SEED_FIELDS = {
    "id", "enterpriseId", "trustOrg", "institutionId", "institutionIdentifier", "name", "connectionKeySchema",
    "createdAt", "updatedAt", "clientId", "broker", "active", "settlementTransactionRouteId",
    "clientDisputeWindowMinutes", "topUpWindowMinutes", "allocationPoliciesEnabled", "publicKey",
}  # fmt: skip
PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----"


@pytest.fixture
def config(enterprise):
    return PartnerConfigFactory(
        enterprise=enterprise, trust_org="BitGo Germany", settlement_transaction_route_id="route-7", public_key=PEM
    )


def assert_network_error(response, status: int, name: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"error", "name", "requestId"} <= set(body)
    assert body["error"] and body["requestId"]
    if name:
        assert body["name"] == name
    return body


def test_creates_the_partner_with_every_seed_field(api, enterprise, auth, config):
    response = api.post(url(enterprise, "partners"), BODY, format="json", **auth)
    assert response.status_code == 200, response.content
    partner = response.json()["partner"]
    assert set(partner) == SEED_FIELDS
    stored = Partner.objects.get()
    client = NetworkClient.objects.get(enterprise=enterprise)
    assert partner == {
        **partner,
        "id": str(stored.pk),
        "enterpriseId": str(enterprise.pk),
        "trustOrg": "BitGo Germany",
        "settlementTransactionRouteId": "route-7",
        "publicKey": PEM,
        "clientId": str(client.pk),
        "active": True,
        **BODY,
    }


def test_optional_fields_may_be_left_out(api, enterprise, auth, config):
    body = {k: BODY[k] for k in ("name", "broker", "institutionIdentifier", "connectionKeySchema")}
    response = api.post(url(enterprise, "partners"), body, format="json", **auth)
    assert response.status_code == 200, response.content
    partner = response.json()["partner"]
    assert partner["allocationPoliciesEnabled"] is False
    assert "institutionId" not in partner and "clientDisputeWindowMinutes" not in partner


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"institutionIdentifier": ""}, "institutionIdentifier"),
        ({"connectionKeySchema": "password"}, "connectionKeySchema"),
        ({"broker": "yes"}, "broker"),
        ({"broker": None}, "broker"),
        ({"name": 42}, "name"),
        ({"institutionId": 12}, "institutionId"),
        ({"institutionId": "not-a-uuid"}, "institutionId"),
        ({"clientDisputeWindowMinutes": -1}, "clientDisputeWindowMinutes"),
        ({"topUpWindowMinutes": -5}, "topUpWindowMinutes"),
        ({"topUpWindowMinutes": "30"}, "topUpWindowMinutes"),
        ({"allocationPoliciesEnabled": 1}, "allocationPoliciesEnabled"),
        ({"name": "Acme\u202eemirP"}, "name"),
    ],
)
def test_invalid_bodies_are_400_naming_the_field_and_write_nothing(api, enterprise, auth, config, change, field):
    response = api.post(url(enterprise, "partners"), {**BODY, **change}, format="json", **auth)
    body = assert_network_error(response, 400, "InvalidRequestError")
    assert field in {d["field"] for d in body["details"]}
    assert not Partner.objects.exists() and not NetworkClient.objects.exists()


@pytest.mark.parametrize("missing", ["name", "broker", "institutionIdentifier", "connectionKeySchema"])
def test_incomplete_bodies_are_400(api, enterprise, auth, config, missing):
    body = {k: v for k, v in BODY.items() if k != missing}
    response = assert_network_error(api.post(url(enterprise, "partners"), body, format="json", **auth), 400)
    assert response["details"][0]["field"] == missing


def test_malformed_json_is_400(api, enterprise, auth, config):
    response = api.post(url(enterprise, "partners"), "{", content_type="application/json", **auth)
    assert_network_error(response, 400, "InvalidRequestError")
    assert not Partner.objects.exists()


def test_a_caller_outside_the_enterprise_is_401(api, enterprise, config):
    stranger = network_token(OrganizationFactory())
    response = api.post(url(enterprise, "partners"), BODY, format="json", **stranger)
    assert_network_error(response, 401, "NotAMember")
    assert not Partner.objects.exists()


def test_no_network_license_is_403(api, config):
    unlicensed = OrganizationFactory()
    PartnerConfigFactory(enterprise=unlicensed)
    response = api.post(url(unlicensed, "partners"), BODY, format="json", **network_token(unlicensed))
    assert_network_error(response, 403, "LicenseRequired")
    assert not Partner.objects.exists()


def test_without_write_network_is_403(api, enterprise, config):
    reader = network_token(enterprise, permissions=[PermissionCode.READ_NETWORK])
    response = api.post(url(enterprise, "partners"), BODY, format="json", **reader)
    body = assert_network_error(response, 403, "PermissionDeniedError")
    assert "WRITE_NETWORK" in body["error"]


def test_no_partner_config_is_422(api, enterprise, auth):
    response = api.post(url(enterprise, "partners"), BODY, format="json", **auth)
    body = assert_network_error(response, 422, "PartnerConfigMissing")
    assert "configuration is missing" in body["error"]
    assert not Partner.objects.exists() and not NetworkClient.objects.exists()


def test_an_enterprise_is_a_partner_once_409(api, enterprise, auth, config):
    assert api.post(url(enterprise, "partners"), BODY, format="json", **auth).status_code == 200
    again = api.post(url(enterprise, "partners"), {**BODY, "name": "Other"}, format="json", **auth)
    assert_network_error(again, 409, "AlreadyPartner")
    assert Partner.objects.get().name == "Acme Prime"


def test_another_enterprises_partner_does_not_block_registration(api, enterprise, auth, config):
    PartnerFactory()
    assert api.post(url(enterprise, "partners"), BODY, format="json", **auth).status_code == 200
