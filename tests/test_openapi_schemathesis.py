"""Property-based run of every operation in the live OpenAPI schema (/api/schema/) against the app, in-process.

Schemathesis loads the schema from the WSGI application and generates requests (valid and invalid) for each
operation. Each one is sent with a real bearer token of an API client holding every permission and, on the
organization API, the Requester/Target-Organization-ID headers of that client's organization (on the network API,
`{enterpriseId}` is that organization). Checks: no 5xx, a status code the schema documents, the documented content
type, and a body that matches the schema documented for that status.

Database: pytest-django's `db` wraps each test in a transaction; every generated request runs inside a savepoint
that is rolled back, so rows one example creates (members, API clients, keys) never leak into the next.

Generation is derandomized (the same examples on every run), so a red run is reproducible and CI cannot flip
between green and red on the same code. A longer hunt runs the same test with more examples, or random ones:
`SCHEMATHESIS_MAX_EXAMPLES=400` (CI keeps the default, 25) and `SCHEMATHESIS_RANDOM=1` (other examples on each run;
pytest's `--hypothesis-seed=N` pins them, so a failure found that way can be repeated).
"""

import os
import uuid

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation.meta import negated_parameters

from config.wsgi import application
from organizations.access import TENANT_HEADER
from organizations.tokens import token_issue_for_client
from tests.factories.organizations import ApiClientFactory, LicenseFactory, MembershipFactory, OrganizationFactory
from tests.factories.partners import NetworkClientFactory

# A schema-valid body may still be refused (422) by a rule the schema cannot state: an identifier of no user, a
# public key that is not a point on the curve, a name holding an invisible character, a CSV file whose content is not
# CSV. For those operations a 422 is what a valid-looking request may get; every other check, and this one's other
# statuses, stay as they are.
_DOMAIN_REFUSALS = ["2xx", "401", "403", "404", "409", "422", "429"]
# The network API's signed creates also refuse a schema-valid body with 400 (a signature that does not verify, a
# payload that is not the body, a used nonce), as the reference says; and every network operation may find no
# partner config (422) or no such partner (404).
_NETWORK = "/api/network/v1/enterprises/{enterpriseId}"
_NETWORK_DOMAIN_REFUSALS = ["2xx", "400", "401", "403", "404", "409", "422", "429"]
# A schema-violating request is refused with any of schemathesis's usual statuses, or with 413: a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE (a negative case may make a string megabytes long) is refused before it is read, as every
# operation that reads a body documents (config.api.openapi_hooks.document_payload_too_large).
_NEGATIVE_REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {"negative_data_rejection": {"expected-statuses": _NEGATIVE_REJECTIONS}},
        "operations": [
            *(
                {
                    "include-name": f"POST {path}",
                    "checks": {"positive_data_acceptance": {"expected-statuses": _DOMAIN_REFUSALS}},
                }
                for path in (
                    "/api/v1/signing-keys",
                    "/api/v1/api-clients",
                    "/api/v1/partners",
                    "/api/v1/partners/import",
                )
            ),
            # Invitations: an expiry in the past or beyond a year (422), a resend of an accepted or expired one (409).
            *(
                {
                    "include-name": name,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _DOMAIN_REFUSALS}},
                }
                for name in (
                    "POST /api/v1/guest-invitations",
                    "POST /api/v1/member-invitations",
                    "POST /api/v1/guest-invitations/{id}/resend",
                    "POST /api/v1/member-invitations/{id}/resend",
                    "POST /api/v1/partners/{id}/invite",
                    "PATCH /api/v1/guest-connections/{guest_org_id}",
                )
            ),
            # Partner records: a real country code, an IANA time zone, a code not taken, an email Django accepts.
            {
                "include-name": "PATCH /api/v1/partners/{id}",
                "checks": {"positive_data_acceptance": {"expected-statuses": _DOMAIN_REFUSALS}},
            },
            {
                "include-name": "POST /api/servitly/network/partners",
                "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "429"]}},
            },
            *(
                {
                    "include-name": f"{method} {_NETWORK}/{path}",
                    "checks": {"positive_data_acceptance": {"expected-statuses": _NETWORK_DOMAIN_REFUSALS}},
                }
                for method, path in (
                    ("POST", "partners"),
                    ("POST", "clients/connections"),
                    ("PUT", "clients/connections/{id}"),
                    ("POST", "clients/connections/{connectionId}/allocations"),
                    ("POST", "clients/connections/{connectionId}/allocations/signing"),
                    ("POST", "clients/connections/{connectionId}/deallocations"),
                    ("POST", "clients/connections/{connectionId}/deallocations/signing"),
                    ("PUT", "partners/allocations"),
                    ("PUT", "partners/deallocations"),
                    ("POST", "partners/settlements"),
                    ("POST", "partners/settlements/nonReconciled"),
                    ("POST", "partners/settlements-signing"),
                    ("POST", "clients/settlements/{settlementId}/disputes"),
                    ("PUT", "clients/settlements/disputes/{disputeId}"),
                    ("POST", "clients/settlements/disputes/{disputeId}/close"),
                )
            ),
            {
                "include-name": "POST /api/network/v2/enterprises/{enterpriseId}/partners/settlements",
                "checks": {"positive_data_acceptance": {"expected-statuses": _NETWORK_DOMAIN_REFUSALS}},
            },
            {
                "include-name": f"POST {_NETWORK}/clients/connections/signing",
                "checks": {"positive_data_acceptance": {"expected-statuses": _NETWORK_DOMAIN_REFUSALS}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

load_all_checks()
# Every check schemathesis has (not only its default set), by name, so a new one in an upgrade is run too.
ALL_CHECKS = [CHECKS.get_one(name) for name in CHECKS.get_all_names()]


@pytest.fixture
def credentials(db, settings):
    """An organization, its owner, and a bearer token of an API client of it holding every permission."""
    # Hundreds of requests per test from one client: the rate limits are not what this test is about.
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE = 1_000_000
    settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = 1_000_000
    organization = OrganizationFactory()
    MembershipFactory(organization=organization)
    # A network member: licensed, with its network client, so network operations get past the license check.
    LicenseFactory(organization=organization)
    NetworkClientFactory(enterprise=organization)
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


def headers_for(case, credentials) -> dict[str, str]:
    """The caller's token and organization headers; a header value schemathesis made invalid on purpose is kept."""
    organization, token = credentials
    headers = {"X-Request-ID": f"schemathesis-{uuid.uuid4().hex}"}
    if _headers_removed_as_a_whole(case):
        return headers  # a negative case without its required headers stays without them (401 / 422)
    # A negative case that removed or mangled the Authorization header on purpose keeps it so (and must get 401).
    if "Authorization" not in {name for name, _location in negated_parameters(case._meta)}:
        headers["Authorization"] = f"Bearer {token}"
    if case.path.startswith("/api/v1/"):
        for name in ("Requester-Organization-ID", "Target-Organization-ID"):
            if _is_uuid((case.headers or {}).get(name, str(organization.pk))):
                headers[name] = str(organization.pk)
    # Seed 001's API: the caller's organization as the tenant, unless the case left the header out or mangled it on
    # purpose, or is a negative case that does not say what it mangled (it keeps its own value, which must be refused).
    negated = {name for name, _location in negated_parameters(case._meta)}
    negative = case._meta is not None and case._meta.generation.mode.is_negative
    if (
        case.path.startswith("/api/servitly/")
        and TENANT_HEADER in (case.headers or {})
        and TENANT_HEADER not in negated
        and not (negative and not negated)
    ):
        headers[TENANT_HEADER] = organization.slug
    return headers


def _headers_removed_as_a_whole(case) -> bool:
    """A negative case whose mutation is on the headers as a whole (their `required` list), not on one named header:
    putting the headers back would turn it into a valid request that the check then expects to be refused."""
    meta = case._meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    mutations = getattr(meta.phase.data, "mutations", None) or []
    return any(
        m.parameter is None and str(getattr(m.parameter_location, "value", m.parameter_location)) == "header"
        for m in mutations
    )


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# The reference's GET variant of the signing endpoint takes a body; OpenAPI cannot describe a GET body, so the schema
# lists POST only while the server truthfully answers GET too: the checks of undocumented methods (`Allow` header,
# 405 for methods the schema does not list) do not apply there.
_UNDECLARED_METHOD_CHECKS = {"allow_header_conformance", "unsupported_method"}
_GET_BODY_VARIANT = "POST /api/network/v1/enterprises/{enterpriseId}/clients/connections/signing"
_GET_BODY_VARIANTS = {
    _GET_BODY_VARIANT,
    "POST /api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/allocations/signing",
    "POST /api/network/v1/enterprises/{enterpriseId}/clients/connections/{connectionId}/deallocations/signing",
    "POST /api/network/v1/enterprises/{enterpriseId}/partners/settlements-signing",
}


def checks_for(case) -> list:
    if case.operation.label in _GET_BODY_VARIANTS:
        return [check for check in ALL_CHECKS if check.__name__ not in _UNDECLARED_METHOD_CHECKS]
    return ALL_CHECKS


def call_and_validate_rolled_back(case, headers: dict[str, str]) -> None:
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=checks_for(case))
        finally:
            transaction.set_rollback(True)


MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
DERANDOMIZE = os.environ.get("SCHEMATHESIS_RANDOM", "") != "1"


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_api_conforms_to_its_schema(case, credentials, app_in_test_transaction):
    organization, _ = credentials
    if case.path_parameters and _is_uuid(case.path_parameters.get("enterpriseId", "-")):
        # Network API: address the caller's own enterprise, or every request would stop at 401. A value schemathesis
        # made invalid on purpose is kept (it must be refused).
        case.path_parameters["enterpriseId"] = str(organization.pk)
    call_and_validate_rolled_back(case, headers_for(case, credentials))


def test_validation_error_locations_may_hold_list_indexes(credentials, app_in_test_transaction):
    """Found by the run above: `loc` holds integers for list items; the schema must allow them."""
    case = schema["/api/v1/api-clients"]["POST"].Case(
        body={"name": "0", "permissions": [{}], "rate_limit_per_minute": 1}, media_type="application/json"
    )
    call_and_validate_rolled_back(case, headers_for(case, credentials))


@pytest.mark.parametrize(
    "label",
    ["POST /api/network/v2/enterprises/{enterpriseId}/partners/settlements", "POST /api/v1/api-clients"],
)
def test_a_body_too_large_is_a_refusal_of_negative_data(label):
    """Found by the run above with 400 examples: a negative case whose `payload` broke its maxLength by megabytes was
    refused with the documented 413, and the check took it for acceptance. Operations with their own check settings
    keep this one."""
    operation = next(op for op in (r.ok() for r in schema.get_all_operations()) if op.label == label)
    assert "413" in operation.responses.status_codes
    checks = schema.config.checks_config_for(operation=operation, phase="fuzzing")
    assert "413" in checks.negative_data_rejection.expected_statuses


# Hostile requests the generator does not make, on every operation that reads a body.
BODY_OPERATIONS = [op for op in (r.ok() for r in schema.get_all_operations()) if op.body]
SURROGATE_FIELDS = [
    "name",
    "label",
    "role",
    "grant_type",
    "client_id",
    "client_secret",
    "username",
    "password",
    "identifier",
    "public_key",
    "permissions",
    "company_name",
    "email",
    "city",
    "code",
    "country",
    "country_code",
    "timezone",
    "expired_at",
    "parent_organization_id",
    "archived",
]


def _case(operation, credentials, **kwargs):
    organization, _ = credentials
    path_parameters = {p.name: str(uuid.uuid4()) for p in operation.path_parameters}
    if "enterpriseId" in path_parameters:
        path_parameters["enterpriseId"] = str(organization.pk)
    return operation.Case(path_parameters=path_parameters or None, **kwargs)


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=lambda op: op.label)
def test_a_body_over_the_upload_limit(operation, credentials, app_in_test_transaction, settings):
    body = {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    case = _case(operation, credentials, body=body, media_type="application/json")
    call_and_validate_rolled_back(case, headers_for(case, credentials))


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=lambda op: op.label)
def test_lone_surrogates_in_every_field(operation, credentials, app_in_test_transaction):
    case = _case(operation, credentials, body=dict.fromkeys(SURROGATE_FIELDS, "\ud800"), media_type="application/json")
    call_and_validate_rolled_back(case, headers_for(case, credentials))


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=lambda op: op.label)
def test_more_than_a_thousand_fields(operation, credentials, app_in_test_transaction):
    fields = {f"f{i}": "x" for i in range(1_001)}
    media_types = [body.media_type for body in operation.body]
    if "application/x-www-form-urlencoded" in media_types:
        case = _case(operation, credentials, body=fields, media_type="application/x-www-form-urlencoded")
    else:  # a JSON-only operation never parses a form; the query string is parsed the same way
        case = _case(operation, credentials, query=fields, body={}, media_type="application/json")
    call_and_validate_rolled_back(case, headers_for(case, credentials))
