"""Seed 001's partner API as a client written for it sees it (only the base URL changed): the tenant by
`X-Servitly-Tenant`, `{"message"}` errors with the seed's statuses, the same records as the organization API."""

import json
import uuid

import pytest
from django.utils import timezone

from organization_partners.models import OrganizationPartner
from organizations.models import Organization
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import ApiClientFactory, OrganizationFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db
BASE = "/api/servitly"
URL = f"{BASE}/network/partners"

# What a seed-001 client sends: the seed's fields, its example properties, and the read-only creationTimestamp its
# generated model may carry.
SEED_001_BODY = {
    "name": "Acme Field Services",
    "code": "AFS-001",
    "country": "IT",
    "timezone": "Europe/Rome",
    "customerCount": 12,
    "properties": {"foo": "abc", "bar": "123"},
    "creationTimestamp": 0,
}


def tenant(organization) -> dict:
    return {"HTTP_X_SERVITLY_TENANT": organization.slug}


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **tenant(organization)}


def post(api, body, headers):
    return api.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_create_answers_201_with_the_seeds_fields(api, organization, headers):
    before = int(timezone.now().timestamp() * 1000)
    response = post(api, SEED_001_BODY, headers)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {*SEED_001_BODY, "id", "organization"}
    assert {k: body[k] for k in ("name", "code", "country", "timezone", "customerCount", "properties")} == {
        k: SEED_001_BODY[k] for k in ("name", "code", "country", "timezone", "customerCount", "properties")
    }
    assert body["organization"] == {"id": str(organization.pk)}
    assert before <= body["creationTimestamp"] <= int(timezone.now().timestamp() * 1000) + 1
    stored = OrganizationPartner.objects.get(pk=body["id"])
    assert (stored.organization, stored.company_name, stored.customer_count) == (organization, body["name"], 12)


def test_only_a_name_is_required_and_absent_fields_are_left_out(api, headers):
    response = post(api, {"name": "Just a name"}, headers)
    assert response.status_code == 201
    assert set(response.json()) == {"id", "name", "properties", "organization", "creationTimestamp"}


def test_the_parent_organization_is_the_tenant_or_a_sub_organization(api, organization, headers):
    child = Organization.objects.create(name="Acme Italy", slug="acme-italy", parent=organization)
    response = post(api, {"name": "Under Italy", "organization": {"id": str(child.pk)}}, headers)
    assert response.status_code == 201
    assert response.json()["organization"] == {"id": str(child.pk)}

    for other in (OrganizationFactory().pk, uuid.uuid4()):  # a stranger's and an unknown id: the same answer
        refused = post(api, {"name": "Elsewhere", "organization": {"id": str(other)}}, headers)
        assert refused.status_code == 400
        assert refused.json() == {
            "message": "organization.id: Must be this organization or one of its sub-organizations."
        }


def test_a_record_made_here_reads_in_the_organization_api_and_back(api, organization, headers, client_token):
    made_here = post(api, SEED_001_BODY, headers).json()
    org_api = {**client_token, **org_headers(organization)}
    there = api.get(f"/api/v1/partners/{made_here['id']}", **org_api).json()
    assert (there["company_name"], there["country_code"], there["customer_count"], there["code"]) == (
        "Acme Field Services",
        "IT",
        12,
        "AFS-001",
    )
    assert there["email"] is None

    made_there = OrganizationPartnerFactory(organization=organization, code="X-1")
    here = api.get(f"{URL}/{made_there.pk}", **headers)
    assert here.status_code == 200
    assert (here.json()["name"], here.json()["code"], here.json()["country"]) == (made_there.company_name, "X-1", "US")
    assert {p["id"] for p in api.get(URL, **headers).json()["partners"]} == {made_here["id"], str(made_there.pk)}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "name: This field is required."),
        ({"name": ""}, "name: This field may not be blank."),
        ({"name": "x" * 101}, "name: Ensure this field has no more than 100 characters."),
        ({"name": "A", "customerCount": -1}, "customerCount: Ensure this value is greater than or equal to 0."),
        ({"name": "A", "customerCount": "12"}, "customerCount: A valid integer is required."),
        ({"name": "A", "country": "XX"}, "country: Must be an ISO 3166-1 alpha-2 country code, such as US or IT."),
        ({"name": "A", "properties": {"foo": 1}}, "properties.foo: Not a valid string."),
        ({"name": "A", "organization": {"id": "1234abcd"}}, "organization.id: Must be a valid UUID."),
        ({"name": "A", "timezone": "Mars/Base"}, "timezone: Unknown time zone 'Mars/Base': use an IANA name such as "),
    ],
)
def test_validation_is_400_naming_the_field_in_seed_names(api, headers, body, message):
    response = post(api, body, headers)
    assert response.status_code == 400
    assert set(response.json()) == {"message"}
    assert response.json()["message"].startswith(message)
    assert not OrganizationPartner.objects.exists()


def test_property_names_are_named_as_sent(api, headers):
    long_key = "snake_key_" + "x" * 100  # too long: the domain's rule, not the edge's
    response = post(api, {"name": "A", "properties": {long_key: "v", "ok_key": "v"}}, headers)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"properties.{long_key}: Names are 1 to 100")


def test_several_failing_fields_are_named_in_one_message(api, organization, headers):
    OrganizationPartnerFactory(organization=organization, code="TAKEN")
    response = post(api, {"name": "A", "code": "TAKEN", "country": "XX", "customerCount": 1.5}, headers)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "code: Another partner" in message and "country: " in message and "customerCount: " in message


@pytest.mark.parametrize(
    ("raw", "status"),
    [('{"name": ', 400), ("[]", 400), ("null", 400), ("{" * 100_000, 400)],
)
def test_malformed_json_is_400_in_the_message_shape(api, headers, raw, status):
    response = api.post(URL, raw, content_type="application/json", **headers)
    assert response.status_code == status
    assert set(response.json()) == {"message"}
    assert not OrganizationPartner.objects.exists()


def test_nul_bytes_and_lone_surrogates_are_400(api, headers):
    for raw in ('{"name": "A\\u0000B"}', '{"name": "\\ud800"}', '{"name": "A", "properties": {"k": "\\ud800"}}'):
        response = api.post(URL, raw, content_type="application/json", **headers)
        assert response.status_code == 400, raw
        assert set(response.json()) == {"message"}
    assert not OrganizationPartner.objects.exists()


def test_http_level_errors_speak_the_dialect(api, headers, settings):
    too_big = post(api, {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}, headers)
    assert too_big.status_code == 413 and set(too_big.json()) == {"message"}

    form = api.post(URL, "name=A", content_type="application/x-www-form-urlencoded", **headers)
    assert form.status_code == 415 and set(form.json()) == {"message"}

    put = api.put(URL, {}, format="json", **headers)
    assert put.status_code == 405 and set(put.json()) == {"message"}

    unknown = api.get(f"{BASE}/network/nothing-here", **headers)
    assert unknown.status_code == 404 and unknown.json() == {"message": "Resource not found"}


@pytest.mark.parametrize("partner_id", [str(uuid.uuid4()), "not-a-uuid", "1234abcd"])
def test_unknown_and_malformed_ids_are_404(api, headers, partner_id):
    response = api.get(f"{URL}/{partner_id}", **headers)
    assert response.status_code == 404
    assert response.json() == {"message": "Resource not found"}


def test_another_tenants_partner_is_404(api, headers):
    theirs = OrganizationPartnerFactory()
    assert api.get(f"{URL}/{theirs.pk}", **headers).json() == {"message": "Resource not found"}


# --- authentication, tenant, permissions ----------------------------------------------------------------------------


def test_no_or_a_bad_token_is_401(api, organization):
    for auth in ({}, bearer("not-a-jwt"), {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = api.post(URL, SEED_001_BODY, format="json", **auth, **tenant(organization))
        assert response.status_code == 401
        assert response.json() == {"message": "User not authenticated"}
    assert not OrganizationPartner.objects.exists()


@pytest.mark.parametrize("slug", ["someone-else", "no-such-tenant", "Bad Slug!", "x" * 300, "acme\u0000"])
def test_a_tenant_the_caller_does_not_belong_to_is_403_whether_or_not_it_exists(api, client_token, slug):
    OrganizationFactory(slug="someone-else")
    response = api.get(URL, **client_token, HTTP_X_SERVITLY_TENANT=slug)
    assert response.status_code == 403
    assert response.json() == {"message": "User not authorized"}


def test_the_tenant_slug_is_read_case_insensitively(api, organization, client_token):
    response = api.get(URL, **client_token, HTTP_X_SERVITLY_TENANT=f"  {organization.slug.upper()} ")
    assert response.status_code == 200


def test_a_missing_tenant_header_is_400(api, client_token):
    response = api.get(URL, **client_token)
    assert response.status_code == 400
    assert response.json() == {"message": "X-Servitly-Tenant: Header required."}


@pytest.mark.parametrize(
    ("permissions", "read", "create"),
    [
        (["READ_PARTNER", "WRITE_PARTNER"], 200, 201),
        (["READ_PARTNER"], 200, 403),
        (["WRITE_PARTNER"], 403, 403),  # the seed: creating needs both
        (["READ_NETWORK"], 403, 403),
    ],
)
def test_permissions(api, organization, permissions, read, create):
    api_client = ApiClientFactory(organization=organization, permissions=permissions)
    headers = {**bearer(token_issue_for_client(api_client=api_client).access_token), **tenant(organization)}
    assert api.get(URL, **headers).status_code == read
    response = post(api, {"name": "A"}, headers)
    assert response.status_code == create
    if create == 403:
        assert response.json() == {"message": "User not authorized"}


def test_a_session_user_names_any_of_their_organizations(api, organization, owner):
    other = OrganizationFactory()
    api.force_authenticate(user=owner)
    assert api.get(URL, **tenant(organization)).status_code == 200
    assert api.get(URL, **tenant(other)).status_code == 403


def test_a_server_error_is_500_with_the_seeds_message(api, headers, monkeypatch):
    from organization_partners import services

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "organization_partner_create", crash)
    api.raise_request_exception = False
    response = post(api, {"name": "A"}, headers)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


# --- list -----------------------------------------------------------------------------------------------------------


def test_list_pages(api, organization, headers):
    partners = OrganizationPartnerFactory.create_batch(5, organization=organization)
    OrganizationPartnerFactory()  # another tenant's
    first = api.get(f"{URL}?pageSize=2", **headers).json()
    last = api.get(f"{URL}?pageSize=2&pageNumber=2", **headers).json()
    assert [p["id"] for p in first["partners"]] == [str(p.pk) for p in partners[:2]]
    assert first["totalCount"] == 5
    assert [p["id"] for p in last["partners"]] == [str(partners[4].pk)]
    for query in ("pageSize=0", "pageSize=101", "pageNumber=-1", "pageNumber=x"):
        response = api.get(f"{URL}?{query}", **headers)
        assert response.status_code == 400 and query.split("=")[0] in response.json()["message"]


def test_the_list_costs_the_same_queries_for_1_and_50_rows(api, organization, headers):
    OrganizationPartnerFactory(organization=organization)
    assert_constant_queries(
        lambda: api.get(f"{URL}?pageSize=100", **headers),
        lambda n: OrganizationPartnerFactory.create_batch(n, organization=organization),
        lambda response: len(response.json()["partners"]),
    )
