"""Per-address limits count the socket's address; X-Forwarded-For only counts behind configured trusted proxies."""

import pytest
from django.test import RequestFactory

from config.net import client_address
from tests.factories.organizations import DEFAULT_PASSWORD, ApiClientFactory, MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def forged(n: int) -> dict[str, str]:
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}


def test_token_endpoint_budget_ignores_a_forged_forwarded_for(api, settings, organization):
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 3
    api_client = ApiClientFactory(organization=organization)
    bad = {"client_id": api_client.client_id, "client_secret": "guess"}

    statuses = [api.post("/api/v1/oauth2/token", bad, format="json", **forged(n)).status_code for n in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


def test_web_sign_in_budget_ignores_a_forged_forwarded_for(client, settings):
    settings.LOGIN_ATTEMPTS_PER_MINUTE = 2
    user = MembershipFactory().user
    for n in range(2):
        client.post("/accounts/login/", {"username": user.username, "password": "guess"}, **forged(n))

    # the right password with a fresh header: still the same blocked address
    response = client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD}, **forged(9))

    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        (None, "198.51.100.1", "10.0.0.1"),  # no trusted proxy: the header is the client's own words
        (0, "198.51.100.1", "10.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),  # one proxy appended the address it saw
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left part was written by the client
        (2, "6.6.6.6, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address(settings, num_proxies, forwarded_for, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(api, settings, organization):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 1
    api_client = ApiClientFactory(organization=organization)
    good = {"client_id": api_client.client_id, "client_secret": api_client.raw_secret}

    first = [api.post("/api/v1/oauth2/token", good, format="json", **forged(1)).status_code for _ in range(2)]
    other = api.post("/api/v1/oauth2/token", good, format="json", **forged(2)).status_code

    assert (first, other) == ([200, 429], 200)


def test_admin_login_attempts_are_limited_per_address(client, settings):
    settings.LOGIN_ATTEMPTS_PER_MINUTE = 3
    staff = MembershipFactory(user__is_staff=True, user__is_superuser=True).user
    wrong = {"username": staff.username, "password": "guess", "next": "/admin/"}

    statuses = [client.post("/admin/login/", wrong, **forged(n)).status_code for n in range(3)]
    right = client.post("/admin/login/", {**wrong, "password": DEFAULT_PASSWORD})

    assert statuses == [200, 200, 200]
    assert right.status_code == 429
    assert 1 <= int(right["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in right.text
    assert "_auth_user_id" not in client.session


def test_admin_login_still_works_within_the_budget(client, settings):
    settings.LOGIN_ATTEMPTS_PER_MINUTE = 3
    staff = MembershipFactory(user__is_staff=True, user__is_superuser=True).user

    response = client.post(
        "/admin/login/", {"username": staff.username, "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)
