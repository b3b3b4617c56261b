"""`/api/v1/partners` as a client of seeds 002/003 sees it: create, list, read, change, delete; 422 naming every
failing field; another organization's ids answer 404; the list costs the same queries at any length."""

import json
import uuid

import pytest

from organization_partners.models import OrganizationPartner
from organizations.models import Organization
from tests.conftest import org_headers
from tests.factories.organization_partners import OrganizationPartnerFactory
from tests.factories.organizations import OrganizationConnectionFactory, OrganizationFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db
URL = "/api/v1/partners"

# Seed 003's curl body, as printed there.
SEED_003_LITERAL = """
{
  "company_name": "<string>",
  "sales_amount": 1073741823,
  "partner_type": "customer",
  "email": "jsmith@example.com",
  "frequency": "<string>",
  "payment_terms": "<string>",
  "address": "<string>",
  "city": "<string>",
  "state": "<string>",
  "postal_code": "<string>",
  "country_code": "<string>",
  "company_registration_number": "<string>"
}
"""
SEED_003 = {
    "company_name": "Example Supplies Ltd",
    "sales_amount": 150000,
    "partner_type": "customer",
    "email": "partner@example.com",
    "frequency": "monthly",
    "payment_terms": "Net 30",
    "address": "123 Main St, Suite 400",
    "city": "New York",
    "state": "NY",
    "postal_code": "12345",
    "country_code": "US",
    "company_registration_number": "123456789",
}
RESPONSE_FIELDS = {
    *SEED_003,
    "id",
    "created_at",
    "updated_at",
    "invitation_status",
    "guest_organization_id",
    "code",
    "timezone",
    "customer_count",
    "properties",
    "parent_organization_id",
}


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **org_headers(organization)}


def post(api, body, headers):
    return api.post(URL, json.dumps(body), content_type="application/json", **headers)


def locs(response) -> dict:
    assert response.status_code == 422, response.content
    return {tuple(item["loc"]): item["type"] for item in response.json()["detail"]}


def test_the_seeds_literal_body_is_refused_only_for_its_placeholder_country_code(api, headers):
    response = api.post(URL, SEED_003_LITERAL, content_type="application/json", **headers)
    assert locs(response) == {("body", "country_code"): "string_too_long"}
    assert not OrganizationPartner.objects.exists()

    body = {**json.loads(SEED_003_LITERAL), "country_code": "US"}
    created = post(api, body, headers)
    assert created.status_code == 201, created.content
    assert created.json()["company_name"] == "<string>" and created.json()["sales_amount"] == 1073741823


def test_create_answers_the_seeds_response_fields(api, organization, headers):
    response = post(api, SEED_003, headers)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == RESPONSE_FIELDS
    assert {k: body[k] for k in SEED_003} == SEED_003
    assert body["invitation_status"] is None and body["guest_organization_id"] is None
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]
    assert (body["code"], body["timezone"], body["customer_count"], body["properties"]) == (None, None, None, {})
    stored = OrganizationPartner.objects.get(pk=body["id"])
    assert stored.organization == organization and stored.invitation_status == ""


def test_create_with_the_seed_001_fields(api, organization, headers):
    child = Organization.objects.create(name="Acme Italy", slug="acme-italy", parent=organization)
    body = {
        **SEED_003,
        "code": "EX-1",
        "timezone": "Europe/Rome",
        "customer_count": 12,
        "properties": {"foo": "abc", "bar": "123"},
        "parent_organization_id": str(child.pk),
    }
    response = post(api, body, headers)
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in body} == body


def test_every_failing_field_is_one_item_and_nothing_is_written(api, organization, headers):
    OrganizationPartnerFactory(organization=organization, code="TAKEN")
    body = {
        **SEED_003,
        "company_name": "x" * 101,
        "sales_amount": 2_147_483_648,
        "partner_type": "reseller",
        "email": "not-an-email",
        "frequency": "",
        "country_code": "XX",
        "code": "TAKEN",
        "timezone": "Mars/Olympus_Mons",
        "customer_count": -1,
        "properties": {"ok": "yes", "count": 3},
        "parent_organization_id": str(OrganizationFactory().pk),
    }
    del body["city"]

    found = locs(post(api, body, headers))

    assert set(found) == {
        ("body", "company_name"),
        ("body", "sales_amount"),
        ("body", "partner_type"),
        ("body", "email"),
        ("body", "frequency"),
        ("body", "city"),
        ("body", "country_code"),  # not a real country: the domain's rule, reported with the edge's
        ("body", "code"),  # a duplicate within the organization
        ("body", "timezone"),
        ("body", "customer_count"),
        ("body", "properties", "count"),
        ("body", "parent_organization_id"),
    }
    assert found[("body", "city")] == "missing"
    assert OrganizationPartner.objects.count() == 1


def test_a_duplicate_code_alone_is_422_on_code(api, organization, headers):
    assert post(api, {**SEED_003, "code": "P-1"}, headers).status_code == 201
    assert locs(post(api, {**SEED_003, "code": "P-1"}, headers)) == {("body", "code"): "value_error"}
    other = OrganizationFactory()
    OrganizationPartnerFactory(organization=other, code="P-2")  # another organization's code is no clash
    assert post(api, {**SEED_003, "code": "P-2"}, headers).status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sales_amount", "150000"),  # the seed says integer
        ("sales_amount", 1.5),
        ("sales_amount", True),
        ("sales_amount", -1),
        ("company_name", 123),
        ("company_name", "   "),
        ("company_name", "Acme\u202eLtd"),  # a bidi override that spoofs the name
        ("email", "a" * 95 + "@b.com"),
        ("country_code", "us "),  # trimmed and upper-cased: accepted (see below)
        ("properties", ["a"]),
        ("properties", {"k": None}),
        ("customer_count", "12"),
        ("parent_organization_id", "not-a-uuid"),
        ("partner_type", None),
    ],
)
def test_bad_values_are_422_on_their_field(api, headers, field, value):
    response = post(api, {**SEED_003, field: value}, headers)
    if field == "country_code":
        assert response.status_code == 201 and response.json()["country_code"] == "US"
        return
    assert set(locs(response)) == {("body", field)} or set(locs(response)) == {("body", field, "k")}


def test_an_email_that_is_not_an_address_says_so(api, headers):
    """It said "Not a valid string." (the strict string field's message for a number or a list)."""
    response = post(api, {**SEED_003, "email": "nope"}, headers)
    assert [(item["loc"], item["msg"]) for item in response.json()["detail"]] == [
        (["body", "email"], "Enter a valid email address.")
    ]
    assert [item["msg"] for item in post(api, {**SEED_003, "email": 5}, headers).json()["detail"]] == [
        "Not a valid string."
    ]


def test_unknown_and_read_only_fields_are_ignored(api, headers):
    forged = {"id": str(uuid.uuid4()), "invitation_status": "accepted", "guest_organization_id": str(uuid.uuid4())}
    response = post(api, {**SEED_003, **forged, "color": "blue"}, headers)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != forged["id"] and body["invitation_status"] is None and body["guest_organization_id"] is None
    assert "color" not in body


@pytest.mark.parametrize(
    "raw",
    ['{"company_name": ', "[]", '"just a string"', "null", "{" * 100_000],
)
def test_malformed_bodies_are_422_and_write_nothing(api, headers, raw):
    response = api.post(URL, raw, content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not OrganizationPartner.objects.exists()


def test_nul_bytes_and_lone_surrogates_are_refused(api, headers):
    raw = json.dumps({**SEED_003, "city": "New\u0000York"}).replace("New\\u0000York", "New\\u0000York")
    assert set(locs(api.post(URL, raw, content_type="application/json", **headers))) == {("body", "city")}
    raw = json.dumps(SEED_003).replace('"NY"', '"\\ud800"')
    assert set(locs(api.post(URL, raw, content_type="application/json", **headers))) == {("body", "state")}
    raw = json.dumps({**SEED_003, "properties": {"k": "PLACEHOLDER"}}).replace("PLACEHOLDER", "\\ud800")
    assert set(locs(api.post(URL, raw, content_type="application/json", **headers))) == {("body", "properties", "k")}
    assert not OrganizationPartner.objects.exists()


def test_odd_but_valid_unicode_is_kept(api, headers):
    body = {**SEED_003, "company_name": "Łódź Ünïcödé 株式会社 🚀", "city": "Zürich", "properties": {"ключ": "値"}}
    response = post(api, body, headers)
    assert response.status_code == 201
    assert response.json()["company_name"] == "Łódź Ünïcödé 株式会社 🚀"
    assert response.json()["properties"] == {"ключ": "値"}


def test_a_huge_body_is_413(api, headers, settings):
    body = {**SEED_003, "address": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = post(api, body, headers)
    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "payload_too_large"


# --- read, change, delete -------------------------------------------------------------------------------------------


def test_read_change_and_delete(api, organization, headers):
    partner = OrganizationPartnerFactory(organization=organization, code="P-1", timezone="Europe/Rome")
    url = f"{URL}/{partner.pk}"

    read = api.get(url, **headers)
    assert read.status_code == 200 and read.json()["id"] == str(partner.pk) and read.json()["code"] == "P-1"

    changed = api.patch(url, {"payment_terms": "Net 60", "code": None, "timezone": None}, format="json", **headers)
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["payment_terms"], body["code"], body["timezone"]) == ("Net 60", None, None)
    assert changed.json()["city"] == "New York"  # untouched

    assert set(locs(api.patch(url, {"company_name": None, "city": ""}, format="json", **headers))) == {
        ("body", "company_name"),
        ("body", "city"),
    }
    assert api.patch(url, {}, format="json", **headers).status_code == 200

    assert api.delete(url, **headers).status_code == 204
    assert not OrganizationPartner.objects.exists()
    assert api.get(url, **headers).status_code == 404


def test_patch_keeps_the_own_code_and_refuses_another_records(api, organization, headers):
    first = OrganizationPartnerFactory(organization=organization, code="A")
    OrganizationPartnerFactory(organization=organization, code="B")
    assert api.patch(f"{URL}/{first.pk}", {"code": "A"}, format="json", **headers).status_code == 200
    assert locs(api.patch(f"{URL}/{first.pk}", {"code": "B"}, format="json", **headers)) == {
        ("body", "code"): "value_error"
    }


def test_another_organizations_partner_is_404_for_every_operation(api, headers):
    theirs = OrganizationPartnerFactory(company_name="Theirs")
    url = f"{URL}/{theirs.pk}"
    responses = [
        api.get(url, **headers),
        api.patch(url, {"company_name": "Mine now"}, format="json", **headers),
        api.delete(url, **headers),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert responses[0].json()["detail"][0]["code"] == "partner_not_found"
    theirs.refresh_from_db()
    assert theirs.company_name == "Theirs"


@pytest.mark.parametrize("partner_id", ["not-a-uuid", "1", str(uuid.uuid4()), "00000000-0000-0000-0000-000000000000"])
def test_malformed_and_unknown_ids_are_404(api, headers, partner_id):
    response = api.get(f"{URL}/{partner_id}", **headers)
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "not_found"


# --- list -----------------------------------------------------------------------------------------------------------


def test_list_filters_orders_and_pages(api, organization, headers):
    a = OrganizationPartnerFactory(organization=organization, company_name="Alpha", sales_amount=5, email="a@x.io")
    b = OrganizationPartnerFactory(
        organization=organization, company_name="beta", sales_amount=7, partner_type="supplier"
    )
    c = OrganizationPartnerFactory(
        organization=organization, company_name="Gamma", sales_amount=1, invitation_status="invited"
    )
    OrganizationPartnerFactory(company_name="Alpha elsewhere")

    def ids(query=""):
        response = api.get(f"{URL}?{query}", **headers)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]], response.json()["total_items"]

    assert ids() == ([str(a.pk), str(b.pk), str(c.pk)], 3)
    assert ids("order_by=sales_amount&order_dir=desc") == ([str(b.pk), str(a.pk), str(c.pk)], 3)
    assert ids("partner_types=supplier") == ([str(b.pk)], 1)
    assert ids("partner_types=supplier&partner_types=customer")[1] == 3
    assert ids("invitation_statuses=invited") == ([str(c.pk)], 1)
    assert ids("invitation_statuses=none")[1] == 2
    assert ids("search_field=company_name&search_text=ALP") == ([str(a.pk)], 1)
    assert ids("search_field=email&search_text=a%40x") == ([str(a.pk)], 1)
    assert ids(f"partner_ids={c.pk}&partner_ids={uuid.uuid4()}") == ([str(c.pk)], 1)
    assert ids("limit=1&offset=1") == ([str(b.pk)], 3)
    assert ids("offset=10") == ([], 3)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("partner_types=reseller", "partner_types"),
        ("partner_ids=nope", "partner_ids"),
        ("invitation_statuses=sent", "invitation_statuses"),
        ("search_field=city", "search_field"),
        ("search_text=" + "x" * 101, "search_text"),
        ("search_text=a%00b", "search_text"),
        ("order_by=city", "order_by"),
        ("order_dir=sideways", "order_dir"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_query_parameters_are_422_naming_them(api, headers, query, name):
    response = api.get(f"{URL}?{query}", **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", name]


def test_a_record_made_by_the_seed_001_api_reads_with_nulls(api, organization, headers):
    OrganizationPartner.objects.create(organization=organization, company_name="Only a name")
    item = api.get(URL, **headers).json()["items"][0]
    assert item["company_name"] == "Only a name"
    assert item["email"] is None and item["sales_amount"] is None and item["partner_type"] is None


def test_the_list_costs_the_same_queries_for_1_and_50_rows(api, organization, headers):
    OrganizationPartnerFactory(organization=organization)
    assert_constant_queries(
        lambda: api.get(f"{URL}?limit=100", **headers),
        lambda n: OrganizationPartnerFactory.create_batch(n, organization=organization),
        lambda response: len(response.json()["items"]),
    )


def test_a_host_lists_and_reads_its_connected_guests_partners(api, organization, headers, client_token):
    guest = OrganizationFactory()
    OrganizationConnectionFactory(host=organization, guest=guest)
    theirs = OrganizationPartnerFactory(organization=guest)
    OrganizationPartnerFactory(organization=organization)  # the host's own: not in the guest's list
    host_headers = {**client_token, **org_headers(organization, guest)}

    listed = api.get(URL, **host_headers)
    assert [item["id"] for item in listed.json()["items"]] == [str(theirs.pk)]
    assert api.get(f"{URL}/{theirs.pk}", **host_headers).status_code == 200
