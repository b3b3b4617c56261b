"""Per-principal and installation-wide rate limits: 429 with Retry-After, in each dialect's shape."""

import pytest
import redis
from django.core.cache import caches

from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organizations import ApiClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
URL = "/api/v1/organization"


def client_headers(organization, **client_kwargs):
    api_client = ApiClientFactory(organization=organization, **client_kwargs)
    return {**bearer(token_issue_for_client(api_client=api_client).access_token), **org_headers(organization)}


def test_per_client_limit_answers_429_with_retry_after(api, organization, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    headers = client_headers(organization)

    statuses = [api.get(URL, **headers).status_code for _ in range(3)]
    limited = api.get(URL, **headers)

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json() == {
        "detail": [{"loc": [], "msg": "Too many requests.", "type": "rate_limited", "code": "rate_limited"}]
    }


def test_clients_are_counted_separately(api, organization, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    first, second = client_headers(organization), client_headers(organization)
    for _ in range(2):
        api.get(URL, **first)
    assert api.get(URL, **first).status_code == 429
    assert api.get(URL, **second).status_code == 200


def test_a_clients_own_limit_overrides_the_default(api, organization, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100
    headers = client_headers(organization, rate_limit_per_minute=1)
    assert api.get(URL, **headers).status_code == 200
    assert api.get(URL, **headers).status_code == 429


def test_installation_ceiling_applies_across_clients(api, organization, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 100
    settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE = 3
    statuses = [api.get(URL, **client_headers(organization)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.urls("tests.organizations.api.dialect_urls")
def test_network_dialect_429_shape(api, organization, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    headers = client_headers(organization)
    url = f"/api/network/v1/enterprises/{organization.pk}/probe"
    api.get(url, **headers)
    response = api.get(url, HTTP_X_REQUEST_ID="rl-1", **headers)
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests.", "name": "RateLimitError", "requestId": "rl-1"}
    assert "Retry-After" in response


def test_token_endpoints_are_limited_per_ip_more_strictly(api, settings, organization):
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 3
    api_client = ApiClientFactory(organization=organization)
    bad = {"client_id": api_client.client_id, "client_secret": "guess"}
    good = {"client_id": api_client.client_id, "client_secret": api_client.raw_secret}
    statuses = [api.post("/api/v1/oauth2/token", bad, format="json").status_code for _ in range(2)]
    statuses.append(api.post("/api/v1/auth/token", {"username": "x", "password": "y"}, format="json").status_code)
    # the budget is shared by both token endpoints and spent: even the right secret waits now
    statuses.append(api.post("/api/v1/oauth2/token", good, format="json").status_code)
    assert statuses == [401, 401, 401, 429]
    # another address has its own budget
    other = api.post("/api/v1/oauth2/token", good, format="json", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


@pytest.mark.redis
def test_counters_live_in_redis_when_configured(api, organization, settings):
    assert caches["default"].__class__.__name__ == "RedisCache"
    assert settings.REDIS_URL
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    headers = client_headers(organization)
    assert [api.get(URL, **headers).status_code for _ in range(3)] == [200, 200, 429]
    keys = redis.Redis.from_url(settings.REDIS_URL).keys("*rl:*")
    assert keys, "rate-limit counters should be stored in Redis"


@pytest.mark.redis
def test_counting_goes_on_after_redis_forgets_its_scripts(api, organization, settings):
    """The counting script runs by its SHA1 (EVALSHA); a restarted Redis knows no scripts, and is taught it again."""
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    headers = client_headers(organization)
    assert api.get(URL, **headers).status_code == 200

    redis.Redis.from_url(settings.REDIS_URL).script_flush()  # what a restart leaves: no cached scripts

    assert [api.get(URL, **headers).status_code for _ in range(3)] == [200, 200, 429]
