"""Registering a signing key takes proof of possession (issue 14, H1): the key's signature over a challenge the
server issued for the organization. A public key belongs to one organization at most, decided by the database."""

import datetime

import pytest
import time_machine
from coincurve import PrivateKey
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import PermissionCode, SigningKey
from organizations.signing import KEY_CHALLENGE_MAX_AGE, sign_message
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organizations import ApiClientFactory, OrganizationFactory, SigningKeyFactory, key_registration

pytestmark = pytest.mark.django_db

URL = "/api/v1/signing-keys"


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **org_headers(organization)}


def register(api, headers, body):
    return api.post(URL, body, format="json", **headers)


def error_locations(response) -> list:
    return [error["loc"][-1] for error in response.json()["detail"]]


def test_the_challenge_names_the_organization_expires_and_is_not_cached(api, organization, headers):
    response = api.get(f"{URL}/challenge", **headers)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert f"organization {organization.pk}" in body["challenge"]
    expires_at = datetime.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs(expires_at - (timezone.now() + KEY_CHALLENGE_MAX_AGE)) < datetime.timedelta(minutes=1)
    assert api.get(f"{URL}/challenge", **headers).json()["challenge"] != body["challenge"]  # a new one each time


def test_a_challenge_needs_the_manage_permission(api, organization):
    reader = ApiClientFactory(organization=organization, permissions=[PermissionCode.READ_PARTNER])
    headers = {**bearer(token_issue_for_client(api_client=reader).access_token), **org_headers(organization)}
    assert api.get(f"{URL}/challenge", **headers).status_code == 403


def test_a_key_registers_with_its_signature_over_the_served_challenge(api, organization, headers):
    private_key = PrivateKey()
    challenge = api.get(f"{URL}/challenge", **headers).json()["challenge"]
    body = {
        "label": "HSM",
        "public_key": private_key.public_key.format(compressed=True).hex(),
        "challenge": challenge,
        "signature": sign_message(private_key, challenge),
    }

    response = register(api, headers, body)

    assert response.status_code == 201, response.content
    assert SigningKey.objects.get(organization=organization).compressed_public_key == body["public_key"]


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda body, _org: {**body, "signature": sign_message(PrivateKey(), body["challenge"])}, "signature"),
        (lambda body, _org: {**body, "signature": "00" * 65}, "signature"),
        (lambda body, _org: {**body, "challenge": body["challenge"].replace("Register", "register")}, "challenge"),
        (lambda body, _org: {**body, "challenge": "Register a signing key, trust me"}, "challenge"),
        (lambda _body, _org: key_registration(OrganizationFactory()), "challenge"),  # issued for another
    ],
    ids=["another key's signature", "garbage signature", "altered challenge", "made-up challenge", "other org"],
)
def test_without_proof_nothing_is_registered(api, organization, headers, change, field):
    body = change(key_registration(organization), organization)

    response = register(api, headers, body)

    assert response.status_code == 422
    assert error_locations(response) == [field]
    assert not SigningKey.objects.exists()


@pytest.mark.parametrize("missing", ["challenge", "signature"])
def test_the_proof_is_required(api, organization, headers, missing):
    body = key_registration(organization)
    del body[missing]
    response = register(api, headers, body)
    assert response.status_code == 422
    assert error_locations(response) == [missing]


def test_an_expired_challenge_is_refused_with_its_reason(api, organization, headers):
    with time_machine.travel(timezone.now() - KEY_CHALLENGE_MAX_AGE - datetime.timedelta(minutes=1)):
        body = key_registration(organization)

    response = register(api, headers, body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "The challenge expired: sign a new one."
    assert not SigningKey.objects.exists()


def test_a_public_key_belongs_to_one_organization(api, organization, headers):
    private_key = PrivateKey()
    SigningKeyFactory(private_key=private_key, active=False)  # another organization's, deactivated since

    response = register(api, headers, key_registration(organization, private_key))  # with a valid proof

    assert response.status_code == 409
    assert response.json()["detail"][0]["code"] == "signing_key_exists"
    assert not SigningKey.objects.filter(organization=organization).exists()


def test_the_database_refuses_a_public_key_in_two_organizations(organization):
    private_key = PrivateKey()
    SigningKeyFactory(private_key=private_key, organization=organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKeyFactory(private_key=private_key)  # bypassing the service
