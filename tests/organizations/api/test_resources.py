"""API clients, signing keys and members through the organization API."""

import pytest
from coincurve import PrivateKey

from organizations.models import ApiClient, Membership, Role, SigningKey
from organizations.services import custodial_key_enable
from organizations.tokens import token_issue_for_client, token_issue_for_membership
from tests.conftest import bearer, org_headers
from tests.factories.organizations import (
    DEFAULT_PASSWORD,
    ApiClientFactory,
    MembershipFactory,
    OrganizationFactory,
    SigningKeyFactory,
    UserFactory,
    key_registration,
    xpub_of,
)
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

VECTOR_XPUB = (
    "xpub661MyMwAqRbcFaoPRNJ9Ur8dxLKF9N9GjK4Z6LeFFySqfb3YPDjKj7FkwHyXLnS6sLG3QCgq6Ngd2A7wj24GTDMnYJ3VeNJrT7RyCUTxqk4"
)


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **org_headers(organization)}


# --- API clients ---------------------------------------------------------------------------------------------


def test_create_api_client_shows_the_secret_once_and_stores_only_a_hash(api, organization, headers):
    response = api.post(
        "/api/v1/api-clients", {"name": "Reporting", "permissions": ["READ_PARTNER"]}, format="json", **headers
    )

    assert response.status_code == 201
    body = response.json()
    secret = body["client_secret"]
    assert body["name"] == "Reporting"
    assert body["permissions"] == ["READ_PARTNER"]
    stored = ApiClient.objects.get(pk=body["id"])
    assert secret not in stored.secret_hash
    assert stored.secret_hash.startswith(("md5$", "pbkdf2_sha256$"))
    # the secret works, and is never shown again
    token = api.post("/api/v1/oauth2/token", {"client_id": body["client_id"], "client_secret": secret}, format="json")
    assert token.status_code == 200
    detail = api.get(f"/api/v1/api-clients/{body['id']}", **headers).json()
    listing = api.get("/api/v1/api-clients", **headers).json()
    assert "client_secret" not in detail
    assert secret not in str(listing)
    assert all("secret_hash" not in item for item in listing["items"])


@pytest.mark.parametrize(
    ("payload", "loc", "type_"),
    [
        ({"permissions": ["READ_PARTNER"]}, ["body", "name"], "missing"),
        ({"name": "", "permissions": ["READ_PARTNER"]}, ["body", "name"], "string_too_short"),
        ({"name": "x" * 101, "permissions": ["READ_PARTNER"]}, ["body", "name"], "string_too_long"),
        ({"name": "ok", "permissions": []}, ["body", "permissions"], "string_too_short"),
        ({"name": "ok", "permissions": ["SUPERUSER"]}, ["body", "permissions", 0], "enum"),
        ({"name": "ok", "permissions": "READ_PARTNER"}, ["body", "permissions"], "list_type"),
        (
            {"name": 12, "permissions": ["READ_PARTNER"], "rate_limit_per_minute": 0},
            ["body", "rate_limit_per_minute"],
            "greater_than_equal",
        ),
    ],
)
def test_invalid_api_client_input_is_422_and_writes_nothing(api, headers, payload, loc, type_):
    before = ApiClient.objects.count()
    response = api.post("/api/v1/api-clients", payload, format="json", **headers)
    assert response.status_code == 422
    items = response.json()["detail"]
    assert any(item["loc"] == loc and item["type"] == type_ for item in items), items
    assert ApiClient.objects.count() == before


def test_api_client_cannot_grant_permissions_its_creator_lacks(api, organization):
    limited = ApiClientFactory(organization=organization, permissions=["MANAGE_ORGANIZATION", "READ_PARTNER"])
    headers = {**bearer(token_issue_for_client(api_client=limited).access_token), **org_headers(organization)}

    response = api.post(
        "/api/v1/api-clients", {"name": "x", "permissions": ["WRITE_NETWORK"]}, format="json", **headers
    )

    assert response.status_code == 403
    assert "WRITE_NETWORK" in response.json()["detail"][0]["msg"]
    assert ApiClient.objects.filter(organization=organization).count() == 1


def test_another_tenants_api_client_answers_404_and_stays_active(api, headers):
    foreign = ApiClientFactory(organization=OrganizationFactory())
    assert api.get(f"/api/v1/api-clients/{foreign.pk}", **headers).status_code == 404
    response = api.delete(f"/api/v1/api-clients/{foreign.pk}", **headers)
    assert response.status_code == 404
    assert response.json()["detail"][0]["type"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.active is True


def test_unknown_id_shapes_answer_404(api, headers):
    assert api.get("/api/v1/api-clients/00000000-0000-0000-0000-000000000000", **headers).status_code == 404
    assert api.get("/api/v1/api-clients/not-a-uuid", **headers).status_code == 404


def test_missing_manage_permission_is_403(api, organization):
    reader = ApiClientFactory(organization=organization, permissions=["READ_PARTNER"])
    headers = {**bearer(token_issue_for_client(api_client=reader).access_token), **org_headers(organization)}
    for method, url in (("get", "/api/v1/api-clients"), ("get", "/api/v1/signing-keys"), ("get", "/api/v1/members")):
        response = getattr(api, method)(url, **headers)
        assert response.status_code == 403
        assert response.json()["detail"][0]["msg"] == "This action needs the MANAGE_ORGANIZATION permission."


# --- lists: pagination and constant query counts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/api-clients", lambda org: ApiClientFactory(organization=org)),
        ("/api/v1/signing-keys", lambda org: SigningKeyFactory(organization=org)),
        ("/api/v1/members", lambda org: MembershipFactory(organization=org, role="viewer")),
    ],
)
def test_list_query_count_is_the_same_for_1_and_50_rows(api, organization, headers, url, make):
    make(organization)
    assert_constant_queries(
        fetch=lambda: api.get(url, {"limit": 100}, **headers),
        add_rows=lambda n: [make(organization) for _ in range(n)],
        count=lambda response: len(response.json()["items"]),
    )


def test_organizations_list_query_count_is_the_same_for_1_and_50_organizations(api, owner):
    """A session user lists every organization they belong to (a token is bound to one)."""
    api.force_login(owner)
    assert_constant_queries(
        fetch=lambda: api.get("/api/v1/organizations", {"limit": 100}),
        add_rows=lambda n: MembershipFactory.create_batch(n, user=owner),
        count=lambda response: response.json()["total_items"],
    )


def test_offset_pagination(api, organization, headers):
    for _ in range(5):
        SigningKeyFactory(organization=organization)
    first = api.get("/api/v1/signing-keys", {"limit": 2}, **headers).json()
    second = api.get("/api/v1/signing-keys", {"limit": 2, "offset": 2}, **headers).json()
    beyond = api.get("/api/v1/signing-keys", {"offset": 50}, **headers).json()
    assert first["total_items"] == second["total_items"] == beyond["total_items"] == 5
    assert len(first["items"]) == len(second["items"]) == 2
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "9" * 30}, "offset"),  # would overflow SQL's OFFSET
    ],
)
def test_bad_pagination_parameters_are_422(api, headers, params, name):
    response = api.get("/api/v1/signing-keys", params, **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", name]


def test_a_client_rate_limit_above_the_installation_maximum_is_422(api, headers, settings):
    """A tenant may not give its client more than the installation allows one client (was: up to 100,000/min)."""
    settings.API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE = 50
    body = {"name": "Greedy", "permissions": ["READ_PARTNER"]}

    response = api.post("/api/v1/api-clients", {**body, "rate_limit_per_minute": 51}, format="json", **headers)

    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["loc"], item["type"]) == (["body", "rate_limit_per_minute"], "less_than_equal")
    assert "50" in item["msg"]
    assert not ApiClient.objects.filter(name="Greedy").exists()
    response = api.post("/api/v1/api-clients", {**body, "rate_limit_per_minute": 50}, format="json", **headers)
    assert response.status_code == 201 and response.json()["rate_limit_per_minute"] == 50


def test_the_client_rate_limit_maximum_defaults_to_the_installation_ceiling(api, headers, settings):
    assert settings.API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE == settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE
    body = {"name": "Greedy", "permissions": ["READ_PARTNER"], "rate_limit_per_minute": 100_000}
    response = api.post("/api/v1/api-clients", body, format="json", **headers)
    assert response.status_code == 422
    assert not ApiClient.objects.filter(name="Greedy").exists()


# --- signing keys ---------------------------------------------------------------------------------------------


def test_register_signing_key_by_xpub_and_by_hex(api, organization, headers):
    private_key = PrivateKey()
    body = key_registration(organization, private_key, label="HSM", public_key=xpub_of(private_key))
    by_xpub = api.post("/api/v1/signing-keys", body, format="json", **headers)
    assert by_xpub.status_code == 201
    assert by_xpub.json()["kind"] == "xpub"
    assert by_xpub.json()["compressed_public_key"] == private_key.public_key.format(compressed=True).hex()

    body = key_registration(organization, private_key, label="Same key")
    duplicate = api.post("/api/v1/signing-keys", body, format="json", **headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"][0]["code"] == "signing_key_exists"
    assert SigningKey.objects.filter(organization=organization).count() == 1


@pytest.mark.parametrize("public_key", ["", "zz", "04" + "11" * 64, "02" + "ff" * 32, VECTOR_XPUB[:-1] + "5"])
def test_invalid_public_key_is_422_on_the_field(api, organization, headers, public_key):
    body = key_registration(organization, label="k", public_key=public_key)
    response = api.post("/api/v1/signing-keys", body, format="json", **headers)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "public_key"]]
    assert not SigningKey.objects.filter(organization=organization).exists()


def test_deactivate_signing_key_and_tenant_isolation(api, organization, headers):
    mine = SigningKeyFactory(organization=organization)
    foreign = SigningKeyFactory(organization=OrganizationFactory())

    response = api.post(f"/api/v1/signing-keys/{mine.pk}/deactivate", **headers)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert api.post(f"/api/v1/signing-keys/{foreign.pk}/deactivate", **headers).status_code == 404
    foreign.refresh_from_db()
    assert foreign.active is True


def test_an_api_client_cannot_erase_the_custodial_key_by_deactivating_its_signing_key(api, organization, headers):
    owner = MembershipFactory(organization=organization, role=Role.OWNER)
    custodial = custodial_key_enable(
        organization=organization, user=owner.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )

    response = api.post(f"/api/v1/signing-keys/{custodial.signing_key.pk}/deactivate", **headers)

    assert response.status_code == 403
    assert response.json()["detail"][0]["msg"] == "Only an owner can disable the custodial signing key."
    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key is not None, custodial.signing_key.active) == (True, True, True)


# --- members --------------------------------------------------------------------------------------------------


def test_members_are_not_added_directly_any_more(api, headers):
    """People join by invitation only (/api/v1/member-invitations): nobody is added without accepting."""
    UserFactory(username="dana")
    response = api.post("/api/v1/members", {"identifier": "dana", "role": "viewer"}, format="json", **headers)
    assert response.status_code == 405
    assert not Membership.objects.filter(user__username="dana").exists()


def test_change_a_members_role_and_remove_them(api, organization, headers):
    member = MembershipFactory(organization=organization, role="viewer")
    changed = api.patch(f"/api/v1/members/{member.pk}", {"role": "operator"}, format="json", **headers)
    assert changed.status_code == 200
    assert "MANAGE_ORGANIZATION" not in changed.json()["permissions"]

    assert api.delete(f"/api/v1/members/{member.pk}", **headers).status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_a_members_email_is_an_address_or_null(api, organization, headers):
    """The schema says `format: email`: an account made without an email (staff, in the shell) reads as null, not ""."""
    with_email = MembershipFactory(organization=organization, user=UserFactory(email="erin@example.com"))
    without = MembershipFactory(organization=organization, user=UserFactory(email=""))

    emails = {item["id"]: item["email"] for item in api.get("/api/v1/members", **headers).json()["items"]}

    assert (emails[str(with_email.pk)], emails[str(without.pk)]) == ("erin@example.com", None)


def test_bad_role_is_422(api, organization, headers):
    member = MembershipFactory(organization=organization, role="viewer")
    bad_role = api.patch(f"/api/v1/members/{member.pk}", {"role": "god"}, format="json", **headers)
    assert bad_role.status_code == 422
    assert bad_role.json()["detail"][0] == {
        "loc": ["body", "role"],
        "msg": '"god" is not a valid choice.',
        "type": "enum",
        "code": "invalid_choice",
    }


def test_last_owner_cannot_be_demoted_or_removed(api, organization):
    only_owner = MembershipFactory(organization=organization, role="owner")
    headers = {**bearer(token_issue_for_membership(membership=only_owner).access_token), **org_headers(organization)}

    demote = api.patch(f"/api/v1/members/{only_owner.pk}", {"role": "viewer"}, format="json", **headers)
    remove = api.delete(f"/api/v1/members/{only_owner.pk}", **headers)

    assert demote.status_code == 422
    assert demote.json()["detail"][0]["code"] == "last_owner"
    assert remove.status_code == 422
    only_owner.refresh_from_db()
    assert only_owner.role == "owner"


def test_only_an_owner_grants_changes_or_removes_the_owner_role(api, organization, headers):
    owner = MembershipFactory(organization=organization, role="owner")
    admin = MembershipFactory(organization=organization, role="admin")
    admin_headers = {**bearer(token_issue_for_membership(membership=admin).access_token), **org_headers(organization)}
    owner_headers = {**bearer(token_issue_for_membership(membership=owner).access_token), **org_headers(organization)}

    for caller in (headers, admin_headers):  # an API client, then an admin user
        attempts = [
            api.patch(f"/api/v1/members/{admin.pk}", {"role": "owner"}, format="json", **caller),
            api.patch(f"/api/v1/members/{owner.pk}", {"role": "viewer"}, format="json", **caller),
            api.delete(f"/api/v1/members/{owner.pk}", **caller),
            api.post(
                "/api/v1/member-invitations", {"email": "o@example.com", "role": "owner"}, format="json", **caller
            ),
        ]
        assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert set(Membership.objects.filter(organization=organization).values_list("role", flat=True)) == {
        "owner",
        "admin",
    }
    # an admin still manages non-owners
    assert (
        api.patch(f"/api/v1/members/{admin.pk}", {"role": "viewer"}, format="json", **admin_headers).status_code == 200
    )
    promoted = api.patch(f"/api/v1/members/{admin.pk}", {"role": "owner"}, format="json", **owner_headers)
    assert promoted.status_code == 200


def test_another_tenants_member_answers_404(api, headers):
    foreign = MembershipFactory(organization=OrganizationFactory(), role="admin")
    response = api.patch(f"/api/v1/members/{foreign.pk}", {"role": "viewer"}, format="json", **headers)
    assert response.status_code == 404
    assert api.delete(f"/api/v1/members/{foreign.pk}", **headers).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == "admin"


def test_organizations_list_shows_only_the_callers(api, organization, member_token):
    token = member_token(organization, "viewer")
    OrganizationFactory()
    response = api.get("/api/v1/organizations", **token)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [str(organization.pk)]
