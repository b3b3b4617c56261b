"""Property-based run of every operation in the live OpenAPI schema (/api/schema/) against the app, in-process.

Schemathesis loads the schema from the WSGI application and generates requests (valid and invalid) for each
operation. Each one is sent with a real bearer token of an API client holding every permission and, on the
organization API, the Requester/Target-Organization-ID headers of that client's organization (on the network API,
`{enterpriseId}` is that organization). Checks: no 5xx, a status code the schema documents, the documented content
type, and a body that matches the schema documented for that status.

Database: pytest-django's `db` wraps each test in a transaction; every generated request runs inside a savepoint
that is rolled back, so rows one example creates (members, API clients, keys) never leak into the next.

Generation is derandomized (the same examples on every run), so a red run is reproducible and CI cannot flip
between green and red on the same code.
"""

import uuid

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from organizations.tokens import token_issue_for_client
from tests.factories.organizations import ApiClientFactory, MembershipFactory, OrganizationFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def credentials(db, settings):
    """An organization, its owner, and a bearer token of an API client of it holding every permission."""
    # Hundreds of requests per test from one client: the rate limits are not what this test is about.
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE = 1_000_000
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 1_000_000
    organization = OrganizationFactory()
    MembershipFactory(organization=organization)
    api_client = ApiClientFactory(organization=organization)
    token = token_issue_for_client(api_client=api_client).access_token
    return organization, token


@pytest.fixture
def app_in_test_transaction():
    """Let the WSGI handler run inside the test's transaction.

    Django's handler calls `close_old_connections` when a request starts and ends; inside the test's atomic block
    that would mark the transaction as broken. django.test.Client disconnects it for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def headers_for(case_path: str, credentials) -> dict[str, str]:
    organization, token = credentials
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": f"schemathesis-{uuid.uuid4().hex}"}
    if case_path.startswith("/api/v1/"):
        headers["Requester-Organization-ID"] = str(organization.pk)
        headers["Target-Organization-ID"] = str(organization.pk)
    return headers


def call_and_validate_rolled_back(case, headers: dict[str, str]) -> None:
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.set_rollback(True)


@schema.parametrize()
@hypothesis.settings(
    max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(hypothesis.HealthCheck)
)
def test_api_conforms_to_its_schema(case, credentials, app_in_test_transaction):
    organization, _ = credentials
    if case.path_parameters and "enterpriseId" in case.path_parameters:
        # Network API: address the caller's own enterprise, or every request would stop at 403/404.
        case.path_parameters["enterpriseId"] = str(organization.pk)
    call_and_validate_rolled_back(case, headers_for(case.path, credentials))


def test_validation_error_locations_may_hold_list_indexes(credentials, app_in_test_transaction):
    """Found by the run above: `loc` holds integers for list items; the schema must allow them."""
    case = schema["/api/v1/api-clients"]["POST"].Case(
        body={"name": "0", "permissions": [{}], "rate_limit_per_minute": 1}, media_type="application/json"
    )
    call_and_validate_rolled_back(case, headers_for(case.path, credentials))
