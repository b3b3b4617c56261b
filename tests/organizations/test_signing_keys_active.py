"""The signing keys every signed request checks against, read by a hand-written SELECT: the same keys, in the same
order and with the same values as the queryset, in one statement, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organizations.selectors import signing_key_active_list, signing_keys_active
from organizations.signing import sign_message, signed_request_verify
from tests.factories.organizations import OrganizationFactory, SigningKeyFactory

pytestmark = pytest.mark.django_db


def test_the_active_keys_of_the_organization_only_in_creation_order_with_every_field():
    organization = OrganizationFactory()
    now = timezone.now()
    newer = SigningKeyFactory(organization=organization, created_at=now)
    older = SigningKeyFactory(organization=organization, created_at=now - timedelta(days=1))
    SigningKeyFactory(organization=organization, active=False)
    SigningKeyFactory()  # another organization's

    with CaptureQueriesContext(connection) as statements:
        keys = signing_keys_active(organization=organization)

    assert len(statements.captured_queries) == 1
    assert [key.pk for key in keys] == [older.pk, newer.pk]
    expected = list(signing_key_active_list(organization=organization))
    fields = [f.attname for f in keys[0]._meta.concrete_fields]
    assert [[getattr(k, f) for f in fields] for k in keys] == [[getattr(k, f) for f in fields] for k in expected]


def test_a_signature_verifies_against_an_active_key_and_not_a_deactivated_one():
    organization = OrganizationFactory()
    key = SigningKeyFactory(organization=organization)
    signature = sign_message(key.private_key, "payload")
    assert signed_request_verify(organization, "payload", signature) == key

    key.active = False
    key.save(update_fields=["active"])
    assert signed_request_verify(organization, "payload", signature) is None
    assert signed_request_verify(OrganizationFactory(), "payload", signature) is None
