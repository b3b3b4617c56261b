"""The API edge: deny by default, the dialect of the answering view, domain field names mapped per dialect,
schema defaults, the network base view's license requirement."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.permissions import AUTHENTICATED, PerMethod, Resource
from organizations.api.base import OrganizationAPIView, OrganizationViewSet
from organizations.tokens import token_issue_for_client
from partners.api.base import NetworkEnterpriseViewSet
from tests.conftest import bearer
from tests.factories.organizations import ApiClientFactory, LicenseFactory

# --- deny by default ------------------------------------------------------------------------------------------


def test_a_handler_without_a_rule_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match=r"answers GET without a permission rule"):

        class NoRule(OrganizationAPIView):
            def get(self, request):
                return Response({})


def test_a_rule_that_misses_one_handler_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match=r"answers DELETE without a permission rule"):

        class HalfCovered(OrganizationAPIView):
            permission_rule = PerMethod(GET="READ_PARTNER")

            def get(self, request):
                return Response({})

            def delete(self, request):
                return Response(status=204)


def test_viewset_actions_and_extra_actions_need_a_rule():
    with pytest.raises(ImproperlyConfigured, match=r"answers GET, POST without a permission rule"):

        class NoRuleViewSet(NetworkEnterpriseViewSet):
            def list(self, request, enterpriseId):
                return Response({})

            @action(detail=True, methods=["post"])
            def settle(self, request, enterpriseId, pk):
                return Response({})

    with pytest.raises(ImproperlyConfigured, match=r"answers POST without"):

        class ExtraActionUncovered(OrganizationViewSet):
            permission_rule = PerMethod(GET="READ_PARTNER")

            def list(self, request):
                return Response({})

            @action(detail=True, methods=["post"])
            def archive(self, request, pk):
                return Response({})


def test_declared_rules_are_accepted():
    class Partners(OrganizationViewSet):
        permission_rule = Resource("PARTNER")

        def list(self, request):
            return Response({})

        def destroy(self, request, pk):
            return Response(status=204)

    class Me(OrganizationAPIView):
        permission_rule = AUTHENTICATED

        def get(self, request):
            return Response({})

    assert Partners.permission_rule.permission_for("DELETE") == "DELETE_PARTNER"
    assert Me.permission_rule.permission_for("GET") is None


@pytest.mark.urls("tests.organizations.api.dialect_urls")
@pytest.mark.django_db
def test_a_view_outside_the_base_classes_is_closed_at_run_time(api, owner):
    assert api.get("/api/v1/not-an-api-view").status_code == 401
    api.force_login(owner)
    assert api.get("/api/v1/not-an-api-view").status_code == 403


# --- dialects and field names ---------------------------------------------------------------------------------

pytestmark_urls = pytest.mark.urls("tests.organizations.api.dialect_urls")


@pytest.fixture
def network_token(organization):
    api_client = ApiClientFactory(organization=organization, permissions=["READ_NETWORK", "WRITE_NETWORK"])
    return bearer(token_issue_for_client(api_client=api_client).access_token)


@pytestmark_urls
@pytest.mark.django_db
def test_a_domain_error_names_the_field_in_camel_case_in_the_network_dialect(api, organization, network_token):
    """The service raises `client_dispute_window_minutes`; the network dialect says `clientDisputeWindowMinutes`."""
    body = {"name": "a", "amount": {}, "clientDisputeWindowMinutes": 20_000}
    response = api.post(f"/api/network/v1/enterprises/{organization.pk}/probe", body, format="json", **network_token)
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "clientDisputeWindowMinutes", "message": "At most 10000 minutes.", "code": "max_value"}
    ]
    assert response.json()["error"] == "At most 10000 minutes."


@pytestmark_urls
@pytest.mark.django_db
def test_a_serializer_error_keeps_the_wire_name(api, organization, network_token):
    body = {"name": "a", "amount": {}, "clientDisputeWindowMinutes": -1}
    response = api.post(f"/api/network/v1/enterprises/{organization.pk}/probe", body, format="json", **network_token)
    assert response.status_code == 400
    assert [d["field"] for d in response.json()["details"]] == ["clientDisputeWindowMinutes"]


@pytestmark_urls
@pytest.mark.django_db
def test_the_answering_views_dialect_renders_its_errors_wherever_it_is_mounted(api, owner):
    api.force_login(owner)
    response = api.get("/api/v1/network-dialect-crash")
    assert response.status_code == 500
    assert set(response.json()) == {"error", "name", "requestId"}


@pytestmark_urls
@pytest.mark.django_db
def test_required_license_is_403_until_the_enterprise_holds_it(api, organization, network_token):
    url = f"/api/network/v1/enterprises/{organization.pk}/licensed"
    refused = api.get(url, **network_token)
    assert refused.status_code == 403
    assert refused.json()["name"] == "LicenseRequired"
    assert refused.json()["error"] == "Enterprise does not have the network license."
    LicenseFactory(organization=organization)
    assert api.get(url, **network_token).status_code == 200


@pytest.mark.django_db
def test_options_is_not_served(api, organization, client_token):
    assert api.options("/api/v1/members", **client_token).status_code == 405


# --- schema defaults ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _operations(schema, prefix="/api/v1/"):
    for path, operations in schema["paths"].items():
        if path.startswith(prefix):
            for method, operation in operations.items():
                yield path, method, operation


def test_every_list_operation_documents_its_query_parameters(schema):
    lists = [(p, op) for p, m, op in _operations(schema) if op["operationId"].endswith("_list")]
    assert {p for p, _ in lists} >= {"/api/v1/members", "/api/v1/api-clients", "/api/v1/signing-keys"}
    for path, operation in lists:
        query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert set(query) >= {"limit", "offset"}, path
        assert query["limit"]["schema"] == {"type": "integer", "maximum": 100, "minimum": 1, "default": 50}


@pytest.mark.parametrize(
    ("prefix", "validation", "error_output"),
    [("/api/v1/", "422", "OrganizationErrorOutput"), ("/api/network/", "400", "NetworkErrorOutput")],
)
def test_every_operation_documents_the_standard_errors_of_its_dialect(schema, prefix, validation, error_output):
    operations = list(_operations(schema, prefix))
    assert operations
    for path, method, operation in operations:
        assert {validation, "401", "429", "500"} <= set(operation["responses"]), (method, path)
        error = operation["responses"]["500"]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith(f"/{error_output}"), (method, path)
        if "{id}" in path:
            assert "404" in operation["responses"], (method, path)


def test_organization_scoped_operations_document_the_organization_headers(schema):
    for path, method, operation in _operations(schema):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        unscoped = ("/api/v1/oauth2/token", "/api/v1/auth/token", "/api/v1/organizations", "/api/v1/client/constants")
        scoped = path not in unscoped
        assert (headers == {"Requester-Organization-ID", "Target-Organization-ID"}) is scoped, (method, path)
