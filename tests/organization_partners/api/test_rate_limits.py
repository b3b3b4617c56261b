"""Over its per-minute budget a client gets 429 with Retry-After on the partner endpoints, in each dialect's shape
(organization, network, seed 001); other clients are unaffected."""

import pytest

from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organizations import ApiClientFactory, LicenseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def token(organization) -> dict:
    return bearer(token_issue_for_client(api_client=ApiClientFactory(organization=organization)).access_token)


def dialect_request(dialect, organization):
    if dialect == "organization":
        return "/api/v1/partners", org_headers(organization)
    if dialect == "network":
        return f"/api/network/v1/enterprises/{organization.pk}/partners", {}
    return "/api/servitly/network/partners", {"HTTP_X_SERVITLY_TENANT": organization.slug}


SHAPES = {
    "organization": {
        "detail": [{"loc": [], "msg": "Too many requests.", "type": "rate_limited", "code": "rate_limited"}]
    },
    "network": {"error": "Too many requests.", "name": "RateLimitError", "requestId": "rl-1"},
    "seed-001": {"message": "API call rate limit exeeded"},
}


@pytest.mark.parametrize("dialect", ["organization", "network", "seed-001"])
def test_429_with_retry_after_in_each_dialect_and_others_unaffected(api, organization, settings, dialect):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    LicenseFactory(organization=organization)  # the network API's partner directory needs it
    url, extra = dialect_request(dialect, organization)
    mine, theirs = token(organization), token(organization)

    statuses = [api.get(url, **mine, **extra).status_code for _ in range(2)]
    limited = api.get(url, **mine, **extra, HTTP_X_REQUEST_ID="rl-1")

    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json() == SHAPES[dialect]
    assert api.get(url, **theirs, **extra).status_code == 200


def test_a_refused_create_writes_nothing(api, organization, settings):
    from organization_partners.models import OrganizationPartner

    settings.API_RATE_LIMIT_PER_MINUTE = 1
    headers = {**token(organization), "HTTP_X_SERVITLY_TENANT": organization.slug}
    assert api.post("/api/servitly/network/partners", {"name": "A"}, format="json", **headers).status_code == 201
    assert api.post("/api/servitly/network/partners", {"name": "B"}, format="json", **headers).status_code == 429
    assert list(OrganizationPartner.objects.values_list("company_name", flat=True)) == ["A"]
