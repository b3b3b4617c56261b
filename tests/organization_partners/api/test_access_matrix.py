"""Every partner endpoint by {Self, Host, Guest, unrelated organization, no token, token without the permission} →
the documented status, in both dialects. Nothing is written by a refused request.

Organization API: reads Self and Host (READ_PARTNER); create and change Self (WRITE_PARTNER); delete Self
(DELETE_PARTNER). Seed-001 API: no scenarios, the tenant must be one of the caller's organizations (an unrelated or a
connected organization's slug alike: 403); READ_PARTNER to read, READ_PARTNER and WRITE_PARTNER to create.
"""

import pytest

from organization_partners.models import OrganizationPartner
from organizations.models import PermissionCode
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import (
    ApiClientFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db

BODY = {
    "company_name": "Matrix Ltd",
    "sales_amount": 1,
    "partner_type": "supplier",
    "email": "m@example.com",
    "frequency": "weekly",
    "payment_terms": "Net 30",
    "address": "1 Road",
    "city": "Rome",
    "state": "RM",
    "postal_code": "00100",
    "country_code": "IT",
    "company_registration_number": "R1",
}
ALL = sorted(PermissionCode.values)

# (operation, method, needs the partner id, the permission it needs)
ORG_OPERATIONS = [
    ("list", "get", False, "READ_PARTNER"),
    ("create", "post", False, "WRITE_PARTNER"),
    ("retrieve", "get", True, "READ_PARTNER"),
    ("update", "patch", True, "WRITE_PARTNER"),
    ("delete", "delete", True, "DELETE_PARTNER"),
]
OK = {"list": 200, "create": 201, "retrieve": 200, "update": 200, "delete": 204}
# scenario → operations answered (the others 403)
ALLOWED = {
    "self": {"list", "create", "retrieve", "update", "delete"},
    "host": {"list", "retrieve"},
    "guest": set(),
    "unrelated": set(),
}


@pytest.fixture
def world(organization):
    """`organization` is the caller's; `guest` its connected guest, `host` an organization it is the guest of,
    `stranger` unrelated. Each keeps one partner record."""
    guest, host, stranger = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    OrganizationConnectionFactory(host=organization, guest=guest)
    OrganizationConnectionFactory(host=host, guest=organization)
    partners = {
        name: OrganizationPartnerFactory(organization=org)
        for name, org in (("self", organization), ("host", guest), ("guest", host), ("unrelated", stranger))
    }
    targets = {"self": organization, "host": guest, "guest": host, "unrelated": stranger}
    return targets, partners


def token(organization, permissions=ALL) -> dict:
    api_client = ApiClientFactory(organization=organization, permissions=permissions)
    return bearer(token_issue_for_client(api_client=api_client).access_token)


def call(api, operation, method, partner, headers):
    url = f"/api/v1/partners/{partner.pk}" if operation in ("retrieve", "update", "delete") else "/api/v1/partners"
    body = {"post": BODY, "patch": {"city": "Milan"}}.get(method)
    return getattr(api, method)(url, body, format="json", **headers)


def snapshot():
    return sorted(OrganizationPartner.objects.values_list("id", "city"))


@pytest.mark.parametrize(("operation", "method", "_detail", "_permission"), ORG_OPERATIONS)
@pytest.mark.parametrize("scenario", ["self", "host", "guest", "unrelated"])
def test_organization_api_scenarios(api, organization, world, scenario, operation, method, _detail, _permission):
    targets, partners = world
    before = snapshot()
    headers = {**token(organization), **org_headers(organization, targets[scenario])}

    response = call(api, operation, method, partners[scenario], headers)

    if operation in ALLOWED[scenario]:
        assert response.status_code == OK[operation], response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["detail"][0]["type"] == "permission_denied"
        assert snapshot() == before


@pytest.mark.parametrize(("operation", "method", "_detail", "permission"), ORG_OPERATIONS)
def test_organization_api_without_a_token_or_the_permission(
    api, organization, world, operation, method, _detail, permission
):
    _targets, partners = world
    before = snapshot()
    anonymous = call(api, operation, method, partners["self"], org_headers(organization))
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")

    lacking = [code for code in ALL if code != permission]
    headers = {**token(organization, lacking), **org_headers(organization)}
    refused = call(api, operation, method, partners["self"], headers)
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["msg"] == f"This action needs the {permission} permission."
    assert snapshot() == before


def test_a_forged_requester_is_403(api, organization, world):
    targets, partners = world
    headers = {**token(organization), **org_headers(targets["unrelated"])}  # claims to be another organization
    assert api.get("/api/v1/partners", **headers).status_code == 403
    assert api.get(f"/api/v1/partners/{partners['unrelated'].pk}", **headers).status_code == 403


def test_a_host_cannot_reach_its_own_records_through_the_guests_target(api, organization, world):
    """Host scenario lists the guest's records: the host's own ids are not found there."""
    targets, partners = world
    headers = {**token(organization), **org_headers(organization, targets["host"])}
    assert api.get(f"/api/v1/partners/{partners['self'].pk}", **headers).status_code == 404


# --- seed-001 API ---------------------------------------------------------------------------------------------------

SERVITLY = "/api/servitly/network/partners"


def servitly_call(api, operation, partner, headers):
    if operation == "create":
        return api.post(SERVITLY, {"name": "Matrix"}, format="json", **headers)
    if operation == "retrieve":
        return api.get(f"{SERVITLY}/{partner.pk}", **headers)
    return api.get(SERVITLY, **headers)


@pytest.mark.parametrize("operation", ["list", "create", "retrieve"])
@pytest.mark.parametrize("scenario", ["self", "host", "guest", "unrelated"])
def test_seed_001_api_tenants(api, organization, world, scenario, operation):
    targets, partners = world
    before = snapshot()
    headers = {**token(organization), "HTTP_X_SERVITLY_TENANT": targets[scenario].slug}
    response = servitly_call(api, operation, partners[scenario], headers)
    if scenario == "self":
        assert response.status_code == OK[operation]
    else:  # a connected organization is not a tenant of the caller either
        assert response.status_code == 403
        assert response.json() == {"message": "User not authorized"}
        assert snapshot() == before


@pytest.mark.parametrize(
    ("operation", "lacking"),
    [("list", "READ_PARTNER"), ("retrieve", "READ_PARTNER"), ("create", "WRITE_PARTNER"), ("create", "READ_PARTNER")],
)
def test_seed_001_api_without_a_token_or_the_permission(api, organization, world, operation, lacking):
    _targets, partners = world
    before = snapshot()
    tenant = {"HTTP_X_SERVITLY_TENANT": organization.slug}
    anonymous = servitly_call(api, operation, partners["self"], tenant)
    assert (anonymous.status_code, anonymous.json()) == (401, {"message": "User not authenticated"})

    headers = {**token(organization, [code for code in ALL if code != lacking]), **tenant}
    refused = servitly_call(api, operation, partners["self"], headers)
    assert (refused.status_code, refused.json()) == (403, {"message": "User not authorized"})
    assert snapshot() == before
