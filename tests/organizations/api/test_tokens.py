"""Access tokens: client credentials and user credentials, and what a token is worth afterwards."""

from datetime import timedelta
from urllib.parse import urlencode

import jwt
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from organizations.models import ApiClient
from organizations.tokens import signing_key
from tests.conftest import bearer, org_headers
from tests.factories.organizations import DEFAULT_PASSWORD, ApiClientFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

CLIENT_TOKEN_URL = "/api/v1/oauth2/token"
USER_TOKEN_URL = "/api/v1/auth/token"
PROTECTED_URL = "/api/v1/organization"


def get_client_token(api, api_client, secret=None):
    return api.post(
        CLIENT_TOKEN_URL,
        {"client_id": api_client.client_id, "client_secret": secret or api_client.raw_secret},
        format="json",
    )


def call_protected(api, token, organization):
    return api.get(PROTECTED_URL, **bearer(token), **org_headers(organization))


def test_client_credentials_give_a_bearer_token_that_works(api, organization):
    api_client = ApiClientFactory(organization=organization)

    response = get_client_token(api, api_client)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == int(settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds())
    assert response["Cache-Control"] == "no-store"
    protected = call_protected(api, body["access_token"], organization)
    assert protected.status_code == 200
    assert protected.json()["id"] == str(organization.pk)


def test_token_endpoint_accepts_form_encoded_client_credentials(api, organization):
    api_client = ApiClientFactory(organization=organization)
    form = {
        "grant_type": "client_credentials",
        "client_id": api_client.client_id,
        "client_secret": api_client.raw_secret,
    }
    response = api.post(CLIENT_TOKEN_URL, urlencode(form), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_token_use_records_last_used(api, organization):
    api_client = ApiClientFactory(organization=organization)
    get_client_token(api, api_client)
    assert ApiClient.objects.get(pk=api_client.pk).last_used_at is not None


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "pnc_unknown", "client_secret": "whatever"},
        {"client_id": "__existing__", "client_secret": "wrong-secret"},
    ],
    ids=["unknown-client", "wrong-secret"],
)
def test_wrong_client_credentials_answer_401_in_the_organization_shape(api, organization, credentials):
    api_client = ApiClientFactory(organization=organization)
    if credentials["client_id"] == "__existing__":
        credentials = {**credentials, "client_id": api_client.client_id}

    response = api.post(CLIENT_TOKEN_URL, credentials, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "detail": [
            {
                "loc": [],
                "msg": "Invalid client credentials.",
                "type": "not_authenticated",
                "code": "invalid_credentials",
            }
        ]
    }
    assert "access_token" not in response.json()


def test_missing_fields_answer_422_per_field(api):
    response = api.post(CLIENT_TOKEN_URL, {}, format="json")
    assert response.status_code == 422
    locs = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert locs == {("body", "client_id"), ("body", "client_secret")}
    assert {item["type"] for item in response.json()["detail"]} == {"missing"}


def test_revoked_client_gets_no_new_token_and_its_tokens_stop_working(api, organization):
    api_client = ApiClientFactory(organization=organization)
    token = get_client_token(api, api_client).json()["access_token"]
    assert call_protected(api, token, organization).status_code == 200

    owner_token = bearer(get_client_token(api, ApiClientFactory(organization=organization)).json()["access_token"])
    revoke = api.delete(f"/api/v1/api-clients/{api_client.pk}", **owner_token, **org_headers(organization))
    assert revoke.status_code == 204

    after = call_protected(api, token, organization)
    assert after.status_code == 401
    assert after.json()["detail"][0]["code"] == "token_invalid"
    assert get_client_token(api, api_client).status_code == 401


def test_expired_token_answers_401(api, organization):
    api_client = ApiClientFactory(organization=organization)
    token = get_client_token(api, api_client).json()["access_token"]

    with time_machine.travel(timezone.now() + settings.JWT_ACCESS_TOKEN_LIFETIME + timedelta(seconds=1), tick=False):
        response = call_protected(api, token, organization)

    assert response.status_code == 401
    assert response.json()["detail"][0]["code"] == "token_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_just_before_expiry_still_works(api, organization):
    api_client = ApiClientFactory(organization=organization)
    token = get_client_token(api, api_client).json()["access_token"]
    with time_machine.travel(timezone.now() + settings.JWT_ACCESS_TOKEN_LIFETIME - timedelta(seconds=5), tick=False):
        assert call_protected(api, token, organization).status_code == 200


@pytest.mark.parametrize(
    "make_token",
    [
        lambda good: good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),  # bad signature
        lambda good: jwt.encode(
            jwt.decode(good, options={"verify_signature": False}), "another-signing-key-of-at-least-32-bytes!", "HS256"
        ),
        lambda good: jwt.encode(
            {**jwt.decode(good, options={"verify_signature": False}), "org": "nope"}, signing_key(), "HS256"
        ),
        lambda good: jwt.encode(
            {**jwt.decode(good, options={"verify_signature": False}), "sub": "client:x"},
            signing_key(),
            "HS256",
        ),
        lambda good: "not-a-jwt",
        lambda good: jwt.encode({"sub": "x"}, signing_key(), "HS256"),  # missing claims
        lambda good: jwt.encode(jwt.decode(good, options={"verify_signature": False}), None, "none"),  # alg none
    ],
    ids=["tampered", "other-key", "bad-org", "bad-subject", "garbage", "missing-claims", "alg-none"],
)
def test_forged_or_malformed_tokens_answer_401(api, organization, make_token):
    good = get_client_token(api, ApiClientFactory(organization=organization)).json()["access_token"]
    response = call_protected(api, make_token(good), organization)
    assert response.status_code == 401
    assert response.json()["detail"][0]["type"] == "not_authenticated"


def test_token_bound_to_another_organization_cannot_act_here(api, organization):
    other = OrganizationFactory()
    token = get_client_token(api, ApiClientFactory(organization=other)).json()["access_token"]
    response = call_protected(api, token, organization)
    assert response.status_code == 403


def test_malformed_authorization_header_answers_401(api, organization):
    response = api.get(PROTECTED_URL, HTTP_AUTHORIZATION="Bearer a b", **org_headers(organization))
    assert response.status_code == 401


def test_no_credentials_answer_401(api, organization):
    response = api.get(PROTECTED_URL, **org_headers(organization))
    assert response.status_code == 401
    assert response.json()["detail"][0]["type"] == "not_authenticated"


def test_user_credentials_give_a_token_for_their_only_organization(api, organization):
    membership = MembershipFactory(organization=organization, role="viewer")

    response = api.post(
        USER_TOKEN_URL, {"username": membership.user.username, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["access_token"]
    assert call_protected(api, token, organization).status_code == 200
    # a viewer's token cannot manage the organization
    assert api.get("/api/v1/api-clients", **bearer(token), **org_headers(organization)).status_code == 403


def test_user_in_several_organizations_must_name_one(api, organization):
    membership = MembershipFactory(organization=organization)
    other = MembershipFactory(user=membership.user).organization
    credentials = {"username": membership.user.username, "password": DEFAULT_PASSWORD}

    ambiguous = api.post(USER_TOKEN_URL, credentials, format="json")
    assert ambiguous.status_code == 422
    assert ambiguous.json()["detail"][0]["loc"] == ["body", "organization_id"]

    chosen = api.post(USER_TOKEN_URL, {**credentials, "organization_id": str(other.pk)}, format="json")
    assert chosen.status_code == 200
    assert call_protected(api, chosen.json()["access_token"], other).status_code == 200
    assert call_protected(api, chosen.json()["access_token"], organization).status_code == 403


def test_wrong_password_answers_401(api, organization):
    membership = MembershipFactory(organization=organization)
    response = api.post(USER_TOKEN_URL, {"username": membership.user.username, "password": "nope"}, format="json")
    assert response.status_code == 401
    assert "access_token" not in response.json()


def test_user_token_stops_working_when_the_membership_is_removed(api, organization):
    membership = MembershipFactory(organization=organization, role="admin")
    MembershipFactory(organization=organization, role="owner")
    token = api.post(
        USER_TOKEN_URL, {"username": membership.user.username, "password": DEFAULT_PASSWORD}, format="json"
    ).json()["access_token"]

    membership.delete()

    assert call_protected(api, token, organization).status_code == 401


def test_user_token_follows_role_changes_at_once(api, organization):
    membership = MembershipFactory(organization=organization, role="admin")
    token = bearer(
        api.post(
            USER_TOKEN_URL, {"username": membership.user.username, "password": DEFAULT_PASSWORD}, format="json"
        ).json()["access_token"]
    )
    assert api.get("/api/v1/api-clients", **token, **org_headers(organization)).status_code == 200

    membership.role = "viewer"
    membership.save(update_fields=["role"])

    assert api.get("/api/v1/api-clients", **token, **org_headers(organization)).status_code == 403


def test_inactive_user_cannot_get_or_use_a_token(api, organization):
    membership = MembershipFactory(organization=organization)
    credentials = {"username": membership.user.username, "password": DEFAULT_PASSWORD}
    token = api.post(USER_TOKEN_URL, credentials, format="json").json()["access_token"]

    membership.user.is_active = False
    membership.user.save(update_fields=["is_active"])

    assert api.post(USER_TOKEN_URL, credentials, format="json").status_code == 401
    assert call_protected(api, token, organization).status_code == 401


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, "\xff\xfe", "[1, 2]", '"just a string"', "null"],
    ids=["deeply-nested", "not-utf8", "list", "string", "null"],
)
def test_malformed_bodies_are_422_not_500(api, body):
    response = api.post(CLIENT_TOKEN_URL, body.encode("latin-1"), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_password_change_ends_the_users_tokens(api, organization):
    membership = MembershipFactory(organization=organization)
    credentials = {"username": membership.user.username, "password": DEFAULT_PASSWORD}
    token = api.post(USER_TOKEN_URL, credentials, format="json").json()["access_token"]
    assert call_protected(api, token, organization).status_code == 200

    membership.user.set_password("a brand new password 42")
    membership.user.save(update_fields=["password"])

    assert call_protected(api, token, organization).status_code == 401
