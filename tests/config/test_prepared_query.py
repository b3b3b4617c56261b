"""config.db.PreparedQuery: the token lookups compiled once give what the ORM gives, on SQLite and PostgreSQL."""

import uuid

import pytest
from django.utils import timezone

from config.db import PreparedQuery
from organizations.authentication import _ACTIVE_API_CLIENT, _ACTIVE_MEMBERSHIP
from organizations.models import ApiClient, Membership, Organization
from tests.factories.organizations import ApiClientFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in ApiClient._meta.concrete_fields]


def test_the_api_client_lookup_matches_the_orm_with_its_organization_in_one_query(django_assert_num_queries):
    parent = OrganizationFactory()
    api_client = ApiClientFactory(
        organization=OrganizationFactory(parent=parent), rate_limit_per_minute=42, last_used_at=timezone.now()
    )
    expected = ApiClient.objects.select_related("organization").get(pk=api_client.pk)

    with django_assert_num_queries(1):
        found = _ACTIVE_API_CLIENT.first(api_client.pk)
        organization = found.organization  # loaded with it, not read again

    assert {f: getattr(found, f) for f in FIELDS} == {f: getattr(expected, f) for f in FIELDS}
    assert isinstance(found.pk, uuid.UUID) and isinstance(found.permissions, list)
    assert found.created_at == expected.created_at and found.created_at.tzinfo is not None
    assert organization == expected.organization and organization.parent_id == parent.pk
    assert organization.created_at == expected.organization.created_at
    assert found._state.adding is False and found._state.db == "default"


def test_the_api_client_lookup_finds_nothing_for_unknown_inactive_or_missing_ids():
    revoked = ApiClientFactory(active=False, revoked_at=timezone.now())

    assert _ACTIVE_API_CLIENT.first(uuid.uuid4()) is None
    assert _ACTIVE_API_CLIENT.first(revoked.pk) is None
    assert _ACTIVE_API_CLIENT.first(None) is None


def test_the_membership_lookup_matches_the_orm_with_user_and_organization(django_assert_num_queries):
    membership = MembershipFactory(role="viewer")
    MembershipFactory(user=membership.user)  # another organization of the same user

    with django_assert_num_queries(1):
        found = _ACTIVE_MEMBERSHIP.first(membership.user_id, membership.organization_id)
        user, organization = found.user, found.organization

    assert found.pk == membership.pk and found.role == "viewer"
    assert user == membership.user and user.get_session_auth_hash() == membership.user.get_session_auth_hash()
    assert organization == membership.organization
    assert _ACTIVE_MEMBERSHIP.first(membership.user_id, uuid.uuid4()) is None
    assert _ACTIVE_MEMBERSHIP.first(None, membership.organization_id) is None
    membership.user.is_active = False
    membership.user.save()
    assert _ACTIVE_MEMBERSHIP.first(membership.user_id, membership.organization_id) is None


def test_each_value_must_reach_the_sql_once():
    twice = PreparedQuery(
        lambda pk: Organization.objects.filter(pk=pk) | Organization.objects.filter(parent_id=pk),
        fields=[Organization._meta.pk],
    )
    with pytest.raises(NotImplementedError):
        twice.first(uuid.uuid4())


def test_querysets_it_cannot_replay_are_refused():
    prefetching = PreparedQuery(
        lambda pk: Membership.objects.prefetch_related("user").filter(pk=pk), fields=[Membership._meta.pk]
    )
    with pytest.raises(NotImplementedError):
        prefetching.first(uuid.uuid4())
