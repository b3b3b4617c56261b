"""Custodial signing: an owner enables one server-held key per organization; members with WRITE_NETWORK sign with
it after re-entering their password; disabling deactivates its signing key."""

import pytest
from django.db import connection

from config.errors import Forbidden, ValidationFailed
from organizations.errors import CustodialKeyExists, CustodialKeyMissing
from organizations.models import CustodialSigningKey, Role, SigningKey
from organizations.services import (
    custodial_key_disable,
    custodial_key_enable,
    custodial_sign,
    signing_key_deactivate,
)
from organizations.signing import signed_request_verify, verify_signature
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '{"partnerId":"p-1","name":"Main","nonce":"n-1"}'


@pytest.fixture
def owner_membership():
    return MembershipFactory(role=Role.OWNER)


def enable(membership, password=DEFAULT_PASSWORD):
    return custodial_key_enable(
        organization=membership.organization, user=membership.user, actor_role=membership.role, password=password
    )


def test_enabling_registers_the_public_key_and_stores_the_private_key_encrypted(owner_membership):
    custodial = enable(owner_membership)

    key = SigningKey.objects.get(organization=owner_membership.organization)
    assert (key.label, key.kind, key.active, key.created_by) == (
        "Custodial key",
        "public_key",
        True,
        owner_membership.user,
    )
    assert custodial.signing_key == key
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT private_key FROM {CustodialSigningKey._meta.db_table}")  # noqa: S608
        (raw,) = cursor.fetchone()
    assert custodial.private_key not in raw


def test_a_custodial_signature_verifies_as_a_signed_request_of_the_organization(owner_membership):
    custodial = enable(owner_membership)

    signature = custodial_sign(
        organization=owner_membership.organization,
        user=owner_membership.user,
        password=DEFAULT_PASSWORD,
        payload=PAYLOAD,
    )

    assert verify_signature(custodial.signing_key.compressed_public_key, PAYLOAD, signature)
    assert signed_request_verify(owner_membership.organization, PAYLOAD, signature) == custodial.signing_key
    assert signed_request_verify(OrganizationFactory(), PAYLOAD, signature) is None


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_signing_with_a_wrong_or_missing_password_is_refused_on_the_password_field(owner_membership, password):
    enable(owner_membership)

    with pytest.raises(ValidationFailed) as caught:
        custodial_sign(
            organization=owner_membership.organization, user=owner_membership.user, password=password, payload=PAYLOAD
        )

    assert [item.path for item in caught.value.errors] == [("password",)]


@pytest.mark.parametrize(("role", "allowed"), [(Role.OPERATOR, True), (Role.ADMIN, True), (Role.VIEWER, False)])
def test_signing_needs_write_network(owner_membership, role, allowed):
    enable(owner_membership)
    member = MembershipFactory(organization=owner_membership.organization, role=role)

    def sign():
        return custodial_sign(
            organization=member.organization, user=member.user, password=DEFAULT_PASSWORD, payload=PAYLOAD
        )

    if allowed:
        assert signed_request_verify(member.organization, PAYLOAD, sign()) is not None
    else:
        with pytest.raises(Forbidden):
            sign()


def test_a_non_member_cannot_sign_even_with_their_password(owner_membership):
    enable(owner_membership)
    outsider = MembershipFactory(role=Role.OWNER)  # owner elsewhere

    with pytest.raises(Forbidden):
        custodial_sign(
            organization=owner_membership.organization, user=outsider.user, password=DEFAULT_PASSWORD, payload=PAYLOAD
        )


def test_signing_without_a_custodial_key_says_so(owner_membership):
    with pytest.raises(CustodialKeyMissing):
        custodial_sign(
            organization=owner_membership.organization,
            user=owner_membership.user,
            password=DEFAULT_PASSWORD,
            payload=PAYLOAD,
        )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
def test_only_an_owner_can_enable(role):
    membership = MembershipFactory(role=role)

    with pytest.raises(Forbidden):
        enable(membership)

    assert not SigningKey.objects.exists()
    assert not CustodialSigningKey.objects.exists()


def test_enabling_needs_the_right_password(owner_membership):
    with pytest.raises(ValidationFailed) as caught:
        enable(owner_membership, password="nope")

    assert [item.path for item in caught.value.errors] == [("password",)]
    assert not SigningKey.objects.exists()


def test_one_active_custodial_key_per_organization(owner_membership):
    enable(owner_membership)

    with pytest.raises(CustodialKeyExists):
        enable(owner_membership)

    assert SigningKey.objects.filter(organization=owner_membership.organization).count() == 1


def test_disabling_deactivates_its_signing_key_erases_the_private_key_and_stops_signing(owner_membership):
    custodial = enable(owner_membership)
    old_signature = custodial_sign(
        organization=owner_membership.organization,
        user=owner_membership.user,
        password=DEFAULT_PASSWORD,
        payload=PAYLOAD,
    )

    custodial_key_disable(organization=owner_membership.organization, actor_role=Role.OWNER)

    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key, custodial.signing_key.active) == (False, None, False)
    assert signed_request_verify(owner_membership.organization, PAYLOAD, old_signature) is None
    with pytest.raises(CustodialKeyMissing):
        custodial_sign(
            organization=owner_membership.organization,
            user=owner_membership.user,
            password=DEFAULT_PASSWORD,
            payload=PAYLOAD,
        )
    new = enable(owner_membership)  # enabling again makes a new key
    assert new.signing_key.compressed_public_key != custodial.signing_key.compressed_public_key


def test_only_an_owner_can_disable(owner_membership):
    enable(owner_membership)

    with pytest.raises(Forbidden):
        custodial_key_disable(organization=owner_membership.organization, actor_role=Role.ADMIN)

    assert CustodialSigningKey.objects.get().active


def test_deactivating_the_custodial_signing_key_directly_disables_custodial_signing(owner_membership):
    custodial = enable(owner_membership)

    signing_key_deactivate(signing_key=custodial.signing_key, actor_role=Role.OWNER)

    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key) == (False, None)
    with pytest.raises(CustodialKeyMissing):
        custodial_sign(
            organization=owner_membership.organization,
            user=owner_membership.user,
            password=DEFAULT_PASSWORD,
            payload=PAYLOAD,
        )
