"""Seed 001's partner API ("Create new partner"), mounted at `/api/servitly` so that a client written for the seed
works with only its base URL changed: `POST|GET {base}/network/partners`, `GET {base}/network/partners/{id}`.

- Tenant: `X-Servitly-Tenant` names an organization by its slug; the bearer token's principal must belong to it
  (`organizations.access.tenant_resolve`): a missing header is 400, an unknown slug and another organization's slug
  the same 403 "User not authorized".
- Permissions: READ_PARTNER to read; READ_PARTNER and WRITE_PARTNER to create (the seed names both).
- Errors: `{"message": "..."}` (config.api.dialects.SERVITLY), validation 400 naming the fields by their wire
  names (`name`, `country`, `customerCount`, `properties.foo`, `organization.id`).
- The records are the organization API's (`/api/v1/partners`): one table, one domain (`organizations.partnering`).
  Fields the organization API requires and this one lacks (email, sales amount, address...) stay empty.
- `creationTimestamp` (epoch milliseconds) and `id` are read-only: ignored in a body, like any unknown field.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import GenericViewSet

from config.api.dialects import SERVITLY
from config.api.fields import StrictCharField, StrictIntegerField, StrictUUIDField
from config.api.pagination import MAX_OFFSET
from config.api.permissions import PerMethod
from config.api.schema import error_response
from config.api.validation import validated
from organizations import partnering, selectors
from organizations.access import TENANT_HEADER, caller_for_request, tenant_resolve
from organizations.api.base import ScopedLookupMixin
from organizations.api.partner_serializers import PropertiesField
from organizations.api.partner_views import organization_reference, partner_input
from organizations.models import Organization, OrganizationPartner, PermissionCode

TENANT_PARAMETER = OpenApiParameter(
    TENANT_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The name (slug) of the target tenant, e.g. acme: one of the caller's organizations.",
)


# --- the dialect's base view ----------------------------------------------------------------------------------------


class ServitlyTenantMixin(ScopedLookupMixin):
    dialect = SERVITLY
    schema_parameters = [TENANT_PARAMETER]
    tenant: Organization

    def resolve_context(self, request, **kwargs) -> frozenset[str]:
        tenant = tenant_resolve(caller=caller_for_request(request), headers=request.headers)
        self.tenant = tenant.organization
        return tenant.permissions


class ServitlyTenantViewSet(ServitlyTenantMixin, GenericViewSet):
    pass


class PageQuery(serializers.Serializer):
    pageNumber = StrictIntegerField(
        source="page_number", min_value=0, max_value=MAX_OFFSET // 100, default=0, help_text="0-based page number."
    )
    pageSize = StrictIntegerField(
        source="page_size", min_value=1, max_value=100, default=50, help_text="Items per page (1..100)."
    )


class ServitlyPagination(BasePagination):
    """`?pageNumber=0..&pageSize=1..100` (0-based, default 0 and 50) → `{"partners": [...], "totalCount": N}`."""

    query_serializer = PageQuery

    def paginate_queryset(self, queryset, request, view=None) -> list:
        query = validated(self.query_serializer, request.query_params, source="query")
        start = query["page_number"] * query["page_size"]
        self.total_count = queryset.count()
        return list(queryset[start : start + query["page_size"]]) if start < self.total_count else []

    def get_paginated_response(self, data) -> Response:
        return Response({"partners": data, "totalCount": self.total_count})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["partners", "totalCount"],
            "properties": {"partners": schema, "totalCount": {"type": "integer", "minimum": 0}},
        }

    def get_schema_operation_parameters(self, view) -> list:
        return []  # documented from `query_serializer` by the dialect's AutoSchema


# --- serializers ----------------------------------------------------------------------------------------------------


class OrganizationRefInput(serializers.Serializer):
    id = StrictUUIDField(help_text="The tenant's id or one of its sub-organizations'.")


class OrganizationRefOutput(serializers.Serializer):
    id = serializers.UUIDField()


class ServitlyPartnerInput(serializers.Serializer):
    name = StrictCharField(source="company_name", max_length=100, help_text="The partner's name (1..100).")
    code = StrictCharField(
        required=False, allow_blank=True, max_length=100, help_text="The code identifying the partner."
    )
    country = StrictCharField(
        source="country_code",
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The country the organization belongs to (ISO 3166-1 alpha-2, e.g. IT).",
    )
    timezone = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The timezone used for date/times localization (e.g. Europe/Rome).",
    )
    customerCount = StrictIntegerField(
        source="customer_count",
        required=False,
        allow_null=True,
        min_value=0,
        max_value=partnering.COUNT_MAX,
        allow_strings=False,
        help_text="The number of customers associated to the partner (an integer).",
    )
    properties = PropertiesField(required=False, allow_null=True)
    organization = OrganizationRefInput(
        required=False, allow_null=True, help_text="The parent organization; absent: the tenant."
    )


class ServitlyPartnerOutput(serializers.Serializer):
    """Seed 001's partner. Fields the record lacks (no code, country...) are left out."""

    id = serializers.UUIDField(help_text="The partner object identifier.")
    name = serializers.CharField(source="company_name")
    code = serializers.CharField(required=False, help_text="The code identifying the partner.")
    country = serializers.CharField(source="country_code", required=False)
    timezone = serializers.CharField(required=False)
    customerCount = serializers.IntegerField(source="customer_count", required=False)
    properties = serializers.DictField(child=serializers.CharField())
    organization = serializers.SerializerMethodField(help_text="The parent organization identifier.")
    creationTimestamp = serializers.SerializerMethodField(
        help_text="The timestamp at which the object was created (epoch milliseconds)."
    )

    @extend_schema_field(OrganizationRefOutput)
    def get_organization(self, partner: OrganizationPartner) -> dict:
        return {"id": str(partner.parent_organization_id or partner.organization_id)}

    def get_creationTimestamp(self, partner: OrganizationPartner) -> int:
        return int(partner.created_at.timestamp() * 1000)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("code", "country", "timezone", "customerCount"):
            if data.get(name) in ("", None):
                data.pop(name)
        return data


def servitly_domain_fields(data: dict) -> dict:
    """Seed-001 body → `partnering` fields (the serializer already mapped the names): null clears, the parent
    organization is read by id."""
    fields = dict(data)
    if "organization" in fields:
        ref = fields.pop("organization")
        fields["parent_organization"] = organization_reference(ref["id"] if ref else None)
    return fields


SEED_001_EXAMPLE = OpenApiExample(
    "Seed 001",
    request_only=True,
    value={
        "name": "Acme Field Services",
        "code": "AFS-001",
        "country": "IT",
        "timezone": "Europe/Rome",
        "customerCount": 12,
        "properties": {"foo": "abc", "bar": "123"},
    },
)


# --- views ----------------------------------------------------------------------------------------------------------


class NetworkPartnerViewSet(ListModelMixin, ServitlyTenantViewSet):
    permission_rule = PerMethod(
        GET=PermissionCode.READ_PARTNER, POST=(PermissionCode.READ_PARTNER, PermissionCode.WRITE_PARTNER)
    )
    serializer_class = ServitlyPartnerOutput
    pagination_class = ServitlyPagination
    tags = ["Partners (seed 001)"]
    wire_field_names = {
        "company_name": ("name",),
        "country_code": ("country",),
        "customer_count": ("customerCount",),
        "parent_organization": ("organization", "id"),
        "properties": ("properties",),  # its keys are the client's own names: never camel-cased
    }

    def get_queryset(self):
        return selectors.partner_list(organization=self.tenant)

    def get_object(self) -> OrganizationPartner:
        return selectors.partner_get(organization=self.tenant, partner_id=self.kwargs["pk"])

    @extend_schema(summary="List the tenant's partners", description="Oldest first, ties by id.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create new partner",
        description="Required permissions: READ_PARTNER, WRITE_PARTNER. `creationTimestamp` and `id` in the body are "
        "ignored (read-only).",
        request=ServitlyPartnerInput,
        responses={201: ServitlyPartnerOutput, 404: error_response(SERVITLY, 404, "Resource was not found")},
        examples=[SEED_001_EXAMPLE],
    )
    def create(self, request):
        fields = partner_input(
            ServitlyPartnerInput, request.data, organization=self.tenant, to_domain=servitly_domain_fields
        )
        return self.created(partnering.partner_create(organization=self.tenant, **fields))

    @extend_schema(summary="Get a partner", responses=ServitlyPartnerOutput)
    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)


router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("network/partners", NetworkPartnerViewSet, basename="servitly-partner")
urlpatterns = router.urls
