"""The lean path of API requests (issue 16): what API paths skip, and what they must keep.

`/healthz` is answered before the session, authentication and page middleware; `/api/...` skips only what pages
need (messages, static files). Both keep the request id, the access log line, the security headers, CSP and
X-Frame-Options; JSON is the only rendering outside DEBUG.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from config.middleware import is_api_path
from tests.conftest import org_headers
from tests.factories.organizations import MembershipFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_security(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.X_FRAME_OPTIONS = "DENY"


@pytest.mark.parametrize(
    "path, status",
    [("/healthz", 200), ("/api/v1/organization", 200), ("/api/v1/no-such-thing", 404), ("/accounts/login/", 200)],
)
def test_api_answers_keep_the_security_headers_and_request_id(
    api, organization, client_token, production_security, settings, path, status
):
    settings.REDIS_URL = ""
    response = api.get(path, secure=True, HTTP_X_REQUEST_ID="lean-1", **client_token, **org_headers(organization))

    assert response.status_code == status
    assert response["X-Request-ID"] == "lean-1"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert int(response["Content-Length"]) == len(response.content)


def test_healthz_keeps_its_access_log_line_no_cache_headers_and_https_exemption(client, settings, caplog):
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    with caplog.at_level(logging.INFO, logger="config.access"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lean-2")

    assert response.status_code == 200  # not redirected to HTTPS: the load balancer asks over plain HTTP
    assert "no-store" in response["Cache-Control"]
    assert "Vary" not in response  # no session was touched
    (record,) = [r for r in caplog.records if r.name == "config.access"]
    assert (record.method, record.path, record.status, record.principal) == ("GET", "/healthz", 200, "anonymous")
    assert client.get("/api/v1/organization").status_code == 301  # the API is redirected as before


def test_healthz_still_refuses_a_host_it_does_not_serve_and_other_methods(client):
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 405


def test_api_requests_skip_the_page_only_middleware_and_pages_keep_it(api, organization, client_token):
    api_response = api.get("/api/v1/organization", **client_token, **org_headers(organization))
    page_response = api.get("/accounts/login/")
    static_response = api.get("/static/img/favicon.svg")

    assert api_response.status_code == 200
    assert not hasattr(api_response.wsgi_request, "_messages")
    assert hasattr(page_response.wsgi_request, "_messages")
    assert static_response.status_code == 200  # whitenoise still serves the pages' files


@pytest.mark.parametrize(
    "path, api",
    [
        ("/healthz", True),
        ("/api/v1/organization", True),
        ("/api/network/v1/enterprises/x/partners", True),
        ("/api/schema/", True),
        ("/api/docs/", False),
        ("/api/redoc/", False),
        ("/healthz/", False),
        ("/network/partners", False),
        ("/", False),
    ],
)
def test_what_counts_as_an_api_path(path, api):
    assert is_api_path(path) is api


def test_a_session_authenticated_api_call_still_needs_its_csrf_token(organization):
    owner = MembershipFactory(organization=organization, role="owner").user
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(owner)
    body = {"name": "lean", "permissions": ["READ_PARTNER"]}

    refused = api.post("/api/v1/api-clients", body, format="json", **org_headers(organization))
    secret = _get_new_csrf_string()
    api.cookies["csrftoken"] = secret
    accepted = api.post(
        "/api/v1/api-clients", body, format="json", HTTP_X_CSRFTOKEN=secret, **org_headers(organization)
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"][0]["msg"]
    assert accepted.status_code == 201, accepted.content


def test_the_browsable_api_is_not_served_outside_debug(api, organization, client_token):
    response = api.get("/api/v1/organization", HTTP_ACCEPT="text/html", **client_token, **org_headers(organization))

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"][0]["type"] == "not_acceptable"
    browser = api.get(
        "/api/v1/organization",
        HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
        **client_token,
        **org_headers(organization),
    )
    assert browser.status_code == 200
    assert browser["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "module, debug, renderers",
    [
        ("config.settings.production", "", ["JSONRenderer"]),
        ("config.settings.local", "0", ["JSONRenderer"]),
        ("config.settings.local", "1", ["JSONRenderer", "BrowsableAPIRenderer"]),
    ],
)
def test_the_browsable_api_is_for_development_only(module, debug, renderers):
    from cryptography.fernet import Fernet

    passed_through = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {
        **{name: os.environ[name] for name in passed_through if name in os.environ},
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "s" * 50,
        "ALLOWED_HOSTS": "example.com",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEBUG": debug,
    }
    script = (
        "import django, json; django.setup(); from rest_framework.settings import api_settings; "
        "print(json.dumps([r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES]))"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == renderers


def test_every_operation_documents_the_406_it_can_answer(client):
    """Found by the schemathesis run: an Accept header that rules JSON out is refused with 406 on any operation (DRF
    negotiates the answer's type before anything else), so the schema lists it with the dialect's error body."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]

    assert operations
    assert [(path, method) for path, method, op in operations if "406" not in op["responses"]] == []
