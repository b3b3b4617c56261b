"""The installation-wide ceiling counts only requests the narrower limits let through."""

import pytest
from django.urls import URLResolver, get_resolver

from config.api.throttling import InstallationRateThrottle
from organizations.tokens import token_issue_for_client
from tests.conftest import bearer, org_headers
from tests.factories.organizations import ApiClientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_refused_credential_guesses_do_not_spend_the_shared_budget(api, settings, organization):
    settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE = 10
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 3
    api_client = ApiClientFactory(organization=organization)
    bad = {"client_id": api_client.client_id, "client_secret": "guess"}
    headers = {**bearer(token_issue_for_client(api_client=api_client).access_token), **org_headers(organization)}

    guesses = [api.post("/api/v1/oauth2/token", bad, format="json").status_code for _ in range(30)]
    valid = [api.get("/api/v1/organization", REMOTE_ADDR="203.0.113.5", **headers).status_code for _ in range(7)]

    assert guesses == [401] * 3 + [429] * 27
    assert valid == [200] * 7  # 3 guesses let through + 7 = the 10 the installation serves


def test_requests_over_a_clients_own_limit_do_not_spend_the_shared_budget(api, settings, organization):
    settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE = 5
    greedy = ApiClientFactory(organization=organization, rate_limit_per_minute=1)
    other = ApiClientFactory(organization=organization)
    greedy_headers = {**bearer(token_issue_for_client(api_client=greedy).access_token), **org_headers(organization)}
    other_headers = {**bearer(token_issue_for_client(api_client=other).access_token), **org_headers(organization)}

    greedy_statuses = [api.get("/api/v1/organization", **greedy_headers).status_code for _ in range(20)]
    other_statuses = [api.get("/api/v1/organization", **other_headers).status_code for _ in range(5)]

    assert greedy_statuses == [200] + [429] * 19
    assert other_statuses == [200, 200, 200, 200, 429]  # 1 + 4 served: the ceiling still holds


def _api_views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif (prefix + str(entry.pattern)).startswith("api/") and hasattr(entry.callback, "cls"):
            yield entry.callback.cls


def test_every_api_view_asks_the_installation_ceiling_last():
    """DRF asks every throttle in order; the ceiling only knows a narrow limit refused if it is asked after it."""
    views = list(_api_views(get_resolver().url_patterns))
    assert views
    for view in views:
        throttles = list(view().get_throttles()) if hasattr(view, "get_throttles") else []
        kinds = [type(t) for t in throttles]
        if InstallationRateThrottle in kinds:
            assert kinds[-1] is InstallationRateThrottle, view
