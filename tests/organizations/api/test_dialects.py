"""The network dialect's plumbing (enterprise membership, errors, pagination, array filters) and 500s in both."""

import logging
import uuid

import pytest
from django.utils import timezone

from organizations.models import PermissionCode
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer
from tests.factories.organizations import ApiClientFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.organizations.api.dialect_urls")]


def probe_url(enterprise_id) -> str:
    return f"/api/network/v1/enterprises/{enterprise_id}/probe"


@pytest.fixture
def network_token(organization):
    api_client = ApiClientFactory(organization=organization, permissions=["READ_NETWORK", "WRITE_NETWORK"])
    return bearer(token_issue_for_client(api_client=api_client).access_token)


def test_member_reads_with_page_number_pagination(api, organization, network_token):
    members = [MembershipFactory(organization=organization) for _ in range(5)]
    first = api.get(probe_url(organization.pk), {"pageSize": 2}, **network_token)
    third = api.get(probe_url(organization.pk), {"pageSize": 2, "pageNumber": 2}, **network_token)
    assert first.status_code == 200
    assert first.json()["members"] == [str(m.pk) for m in members[:2]]
    assert third.json()["members"] == [str(members[4].pk)]


def test_array_filters_accept_comma_separated_and_repeated(api, organization, network_token):
    a, b, _ = (MembershipFactory(organization=organization) for _ in range(3))
    response = api.get(
        f"{probe_url(organization.pk)}?statuses=cleared,released&statuses=reserved&memberIds={a.pk},{b.pk}",
        **network_token,
    )
    assert response.status_code == 200
    assert response.json()["statuses"] == ["cleared", "released", "reserved"]
    assert set(response.json()["members"]) == {str(a.pk), str(b.pk)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("statuses=cleared,bogus", "statuses"),
        ("memberIds=not-a-uuid", "memberIds"),
        ("pageSize=0", "pageSize"),
        ("pageSize=501", "pageSize"),
        ("pageNumber=-1", "pageNumber"),
        ("pageNumber=abc", "pageNumber"),
        ("pageNumber=99999999999999999999999", "pageNumber"),  # would overflow SQL's OFFSET
    ],
)
def test_bad_query_parameters_are_400_in_the_network_shape(api, organization, network_token, query, field):
    response = api.get(f"{probe_url(organization.pk)}?{query}", HTTP_X_REQUEST_ID="req-123", **network_token)
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "InvalidRequestError"
    assert body["requestId"] == "req-123"
    assert body["details"][0]["field"] == field
    assert body["error"]


def test_body_validation_is_400_with_details(api, organization, network_token):
    response = api.post(
        probe_url(organization.pk), {"name": "too long", "amount": {"btc": "x"}}, format="json", **network_token
    )
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"name", "amount.btc"}


def test_malformed_json_is_400(api, organization, network_token):
    response = api.post(probe_url(organization.pk), "{nope", content_type="application/json", **network_token)
    assert response.status_code == 400
    assert response.json()["name"] == "InvalidRequestError"


def test_non_member_is_401_as_the_reference_says(api, network_token):
    other = OrganizationFactory()
    response = api.get(probe_url(other.pk), **network_token)
    assert response.status_code == 401
    assert response.json()["name"] == "NotAMember"
    assert response.json()["error"] == "Caller is not a member of the enterprise."


def test_unknown_enterprise_is_401_and_malformed_is_400(api, network_token):
    assert api.get(probe_url(uuid.uuid4()), **network_token).status_code == 401
    assert api.get(probe_url("not-a-uuid"), **network_token).status_code == 400


def test_missing_permission_is_403(api, organization):
    reader = ApiClientFactory(organization=organization, permissions=[PermissionCode.READ_NETWORK])
    token = bearer(token_issue_for_client(api_client=reader).access_token)
    assert api.get(probe_url(organization.pk), **token).status_code == 200
    response = api.post(probe_url(organization.pk), {"name": "a", "amount": {}}, format="json", **token)
    assert response.status_code == 403
    assert response.json()["name"] == "PermissionDeniedError"


def test_unauthenticated_is_401_in_network_shape(api, organization):
    response = api.get(probe_url(organization.pk))
    assert response.status_code == 401
    assert set(response.json()) == {"error", "name", "requestId"}
    assert response.json()["name"] == "AuthenticationError"


@pytest.mark.parametrize(
    ("url", "shape"),
    [("/api/network/v1/crash", {"error", "name", "requestId"}), ("/api/v1/crash", {"detail"})],
)
def test_unhandled_exception_is_a_500_in_the_dialect_shape_and_logged(api, owner, caplog, url, shape):
    api.force_authenticate(user=owner)
    with caplog.at_level(logging.ERROR, logger="config.api"):
        response = api.get(url, HTTP_X_REQUEST_ID="crash-1")
    assert response.status_code == 500
    assert set(response.json()) == shape
    assert "boom" not in response.content.decode()  # no internals leak to the caller
    assert response["X-Request-ID"] == "crash-1"
    record = next(r for r in caplog.records if r.name == "config.api")
    assert record.exc_info and "boom: a bug" in str(record.exc_info[1])
    assert record.request_id == "crash-1"


def test_a_tokens_enterprise_is_not_read_again(api, organization, django_assert_num_queries):
    # Used a moment ago: the request does not also record `last_used_at` (at most once a minute).
    api_client = ApiClientFactory(organization=organization, permissions=["READ_NETWORK"], last_used_at=timezone.now())
    token = bearer(token_issue_for_client(api_client=api_client).access_token)
    MembershipFactory(organization=organization)

    # The API client with its organization (authentication), then the page: the enterprise is the token's
    # organization, already loaded.
    with django_assert_num_queries(2):
        response = api.get(probe_url(organization.pk), **token)

    assert response.status_code == 200
    assert len(response.json()["members"]) == 1
