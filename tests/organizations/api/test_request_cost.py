"""What one authenticated API request costs in queries, so the hot path cannot quietly grow (issue #5, item 13).

Authentication loads the token's API client or membership together with its organization; the Self scenario reuses
that organization instead of reading it again.
"""

import pytest
from django.utils import timezone

from organizations.tokens import token_issue_for_client, token_issue_for_membership
from tests.conftest import bearer, org_headers
from tests.factories.organizations import (
    ApiClientFactory,
    MembershipFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/organization"


@pytest.fixture
def api_client_token(organization):
    # Used a moment ago: the request does not also record `last_used_at` (at most once a minute).
    api_client = ApiClientFactory(organization=organization, last_used_at=timezone.now())
    return bearer(token_issue_for_client(api_client=api_client).access_token)


def test_api_client_self_read_is_one_query(api, organization, api_client_token, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api.get(URL, **api_client_token, **org_headers(organization))

    assert response.status_code == 200
    assert response.json()["id"] == str(organization.pk)
    assert response.json()["name"] == organization.name
    assert response.json()["scenario"] == "self"


def test_user_token_self_read_is_one_query(api, organization, django_assert_num_queries):
    membership = MembershipFactory(organization=organization, role="viewer")
    token = bearer(token_issue_for_membership(membership=membership).access_token)

    with django_assert_num_queries(1):
        response = api.get(URL, **token, **org_headers(organization))

    assert response.status_code == 200
    assert response.json()["id"] == str(organization.pk)
    assert response.json()["scenario"] == "self"


def test_host_read_adds_only_the_connection_query(api, organization, api_client_token, django_assert_num_queries):
    guest = OrganizationFactory(name="Guest Co")
    OrganizationConnectionFactory(host=organization, guest=guest)

    with django_assert_num_queries(2):
        response = api.get(URL, **api_client_token, **org_headers(organization, guest))

    assert response.status_code == 200
    assert response.json()["id"] == str(guest.pk)
    assert response.json()["scenario"] == "host"
