"""Seed 001's partner API ("Create new partner"), mounted at `/api/servitly` so that a client written for the seed
works with only its base URL changed: `POST|GET {base}/network/partners`, `GET {base}/network/partners/{id}`.

- Tenant: `X-Servitly-Tenant` names an organization by its slug; the bearer token's principal must belong to it
  (`organizations.access.tenant_resolve`): a missing header is 400, an unknown slug and another organization's slug
  the same 403 "User not authorized".
- Permissions: READ_PARTNER to read; READ_PARTNER and WRITE_PARTNER to create (the seed names both).
- Errors: `{"message": "..."}` (config.api.dialects.SERVITLY), validation 400 naming the fields by their wire
  names (`name`, `country`, `customerCount`, `properties.foo`, `organization.id`).
- The records are the organization API's (`/api/v1/partners`): one table, one domain (`organization_partners.services`).
  Fields the organization API requires and this one lacks (email, sales amount, address...) stay empty.
- `creationTimestamp` (epoch milliseconds) and `id` are read-only: ignored in a body, like any unknown field.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from config.api.dialects import SERVITLY
from config.api.pagination import SeedPagination
from config.api.permissions import PerMethod
from config.api.schema import error_response
from organization_partners import selectors, services
from organization_partners.api.servitly.serializers import ServitlyPartnerInput, ServitlyPartnerOutput
from organization_partners.api.views import organization_reference, partner_input
from organization_partners.models import OrganizationPartner
from organizations.access import TENANT_HEADER, caller_for_request, tenant_resolve
from organizations.api.base import ScopedLookupMixin
from organizations.models import Organization, PermissionCode

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


def servitly_domain_fields(data: dict) -> dict:
    """Seed-001 body → `organization_partners.services` fields (the serializer already mapped the names): null clears,
    the parent organization is read by id."""
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
    pagination_class = SeedPagination
    tags = ["Partners (seed 001)"]
    wire_field_names = {
        "company_name": ("name",),
        "country_code": ("country",),
        "customer_count": ("customerCount",),
        "parent_organization": ("organization", "id"),
        "properties": ("properties",),  # its keys are the client's own names: never camel-cased
    }

    def get_queryset(self):
        return selectors.organization_partner_list(organization=self.tenant)

    def get_object(self) -> OrganizationPartner:
        return selectors.organization_partner_get(organization=self.tenant, partner_id=self.kwargs["pk"])

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
        return self.created(services.organization_partner_create(organization=self.tenant, **fields))

    @extend_schema(summary="Get a partner", responses=ServitlyPartnerOutput)
    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)
