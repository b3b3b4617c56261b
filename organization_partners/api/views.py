"""Organization API: organization partners (`/api/v1/partners`, seeds 002/003 with seed 001's fields).

| operation | scenarios | permission |
|---|---|---|
| `GET /partners`, `GET /partners/{id}` | Self, Host (a host reads its connected guest's partners) | READ_PARTNER |
| `POST /partners`, `PATCH /partners/{id}` | Self | WRITE_PARTNER |
| `DELETE /partners/{id}` | Self | DELETE_PARTNER |
| `POST /partners/import` (CSV) | Self | WRITE_PARTNER |

The records are the target organization's (`Target-Organization-ID`); another organization's id answers 404.
"""

from collections.abc import Callable, Mapping

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api.dialects import ORGANIZATION
from config.api.exceptions import flatten_validation_detail
from config.api.permissions import Resource
from config.api.schema import error_response
from config.errors import ValidationFailed
from organization_partners import csv_import_export, selectors, services
from organization_partners.api import serializers as s
from organization_partners.models import OrganizationPartner
from organizations.access import Scenario
from organizations.api.base import OrganizationAPIView, OrganizationViewSet
from organizations.models import Organization

READ_SCENARIOS = frozenset({Scenario.SELF, Scenario.HOST})
WRITE_SCENARIOS = frozenset({Scenario.SELF})

SEED_003_EXAMPLE = OpenApiExample(
    "Seed 003",
    request_only=True,
    value={
        "company_name": "Example Supplies Ltd",
        "sales_amount": 150000,
        "partner_type": "customer",
        "email": "partner@example.com",
        "frequency": "monthly",
        "payment_terms": "Net 30",
        "address": "123 Main St, Suite 400",
        "city": "New York",
        "state": "NY",
        "postal_code": "12345",
        "country_code": "US",
        "company_registration_number": "123456789",
    },
)


def partner_input(
    serializer_class: type[serializers.Serializer],
    data,
    *,
    organization: Organization,
    to_domain: Callable[[dict], dict],
    partner: OrganizationPartner | None = None,
    partial: bool = False,
) -> dict:
    """The body as the domain's partner fields, or ValidationFailed naming every failing field at once.

    The serializer checks the wire contract; `to_domain` turns its data into `organization_partners.services` fields.
    When the body fails at the edge, the fields that passed are still checked by the domain
    (`organization_partner_clean`: a duplicate code, an unknown country...), so one answer names them all.
    """
    serializer = serializer_class(data=data, partial=partial)
    if serializer.is_valid():
        return to_domain(serializer.validated_data)
    errors = flatten_validation_detail(serializer.errors)
    try:
        services.organization_partner_clean(
            organization=organization, data=to_domain(_passed(serializer, data)), partner=partner
        )
    except ValidationFailed as exc:
        errors += exc.errors
    raise ValidationFailed(errors)


def _passed(serializer: serializers.Serializer, data) -> dict:
    """The validated values of the fields that passed (the serializer keeps none once one field failed)."""
    passed: dict = {}
    if not isinstance(data, Mapping):
        return passed
    for name, field in serializer.fields.items():
        if name in serializer.errors or field.read_only:
            continue
        primitive = field.get_value(data)
        if primitive is empty:
            continue
        try:
            value = field.run_validation(primitive)
        except serializers.ValidationError:
            continue
        serializer.set_value(passed, field.source_attrs, value)
    return passed


def organization_reference(organization_id) -> Organization | None:
    """The organization a partner sits under, by id, for `organization_partners.services` (which checks it is the
    owner or one of its sub-organizations, with the same answer for an unknown id). Only its id is read, so it is not
    loaded."""
    return None if organization_id is None else Organization(pk=organization_id)


def org_api_domain_fields(data: dict) -> dict:
    """Organization API body → `organization_partners.services` fields: null clears `code` and `timezone` ("" in the
    database)."""
    fields = dict(data)
    for name in ("code", "timezone"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if "parent_organization_id" in fields:
        fields["parent_organization"] = organization_reference(fields.pop("parent_organization_id"))
    return fields


class OrganizationPartnerViewSet(ListModelMixin, OrganizationViewSet):
    permission_rule = Resource("PARTNER")
    serializer_class = s.OrganizationPartnerOutput
    filter_serializer = s.OrganizationPartnerListQuery
    tags = ["Partners"]
    wire_field_names = {"parent_organization": ("parent_organization_id",)}

    @property
    def allowed_scenarios(self) -> frozenset[Scenario]:
        return READ_SCENARIOS if self.request.method in ("GET", "HEAD") else WRITE_SCENARIOS

    def get_queryset(self):
        return selectors.organization_partner_list(organization=self.target, **self.query())

    def get_object(self) -> OrganizationPartner:
        return selectors.organization_partner_get(organization=self.target, partner_id=self.kwargs["pk"])

    def _input(self, serializer_class, **kwargs) -> dict:
        return partner_input(
            serializer_class,
            self.request.data,
            organization=self.target,
            to_domain=org_api_domain_fields,
            **kwargs,
        )

    @extend_schema(
        summary="List the target organization's partners (Self, or Host: a connected guest's)",
        description="Filters combine; `search_text` looks in `search_field`. Sorted by `order_by` (default: creation "
        "time), ties by id.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Create an organization partner",
        description="Seed 003's body (every field required) plus the optional `code`, `timezone`, `customer_count`, "
        "`properties` and `parent_organization_id`. 422 names every failing field at once.",
        request=s.OrganizationPartnerCreateInput,
        responses={201: s.OrganizationPartnerOutput},
        examples=[SEED_003_EXAMPLE],
    )
    def create(self, request):
        partner = services.organization_partner_create(
            organization=self.target, **self._input(s.OrganizationPartnerCreateInput)
        )
        return self.created(partner)

    @extend_schema(summary="Get an organization partner", responses=s.OrganizationPartnerOutput)
    def retrieve(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change an organization partner",
        description="Any subset of the create body's fields, by the same rules; null clears an optional field.",
        request=s.OrganizationPartnerUpdateInput,
        responses=s.OrganizationPartnerOutput,
    )
    def partial_update(self, request, pk):
        partner = self.get_object()
        changes = self._input(s.OrganizationPartnerUpdateInput, partner=partner, partial=True)
        return Response(self.get_serializer(services.organization_partner_update(partner=partner, **changes)).data)

    @extend_schema(summary="Delete an organization partner", request=None, responses={204: None})
    def destroy(self, request, pk):
        services.organization_partner_delete(partner=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartnerImportView(OrganizationAPIView):
    """`POST /api/v1/partners/import`: a CSV file of partner records, checked (dry run, the default) or applied, all
    rows or none (organization_partners.csv_import_export). Self only, WRITE_PARTNER."""

    permission_rule = Resource("PARTNER")  # POST → WRITE_PARTNER
    parser_classes = [MultiPartParser]
    tags = ["Partners"]

    @extend_schema(
        summary="Import partners from a CSV file (a dry run first, then apply: all rows or none)",
        description=(
            "A row whose `code` an existing record of the organization has updates that record; a row without a "
            "code updates the record without a code that has its email (case-insensitive; when several share it, "
            "the one with its `company_name` too; several left: that row's error, `ambiguous`); any other row "
            "creates one, so importing an export again changes nothing. The dry run (`dry_run=true`, the "
            "default) answers every row's action and errors with "
            "the column named, and writes nothing. Applying (`dry_run=false`) checks again and writes every row in "
            "one transaction; if any row fails it answers 422 with one item per error, located "
            '`["body", "file", <line>, <column>]`, and writes nothing. A file that cannot be read (not UTF-8, '
            'missing or unknown header columns, empty, too many rows) answers 422 located `["body", "file"]`; '
            "one over the size limit 413."
        ),
        request={"multipart/form-data": s.PartnerImportInput},
        responses={
            200: s.PartnerImportOutput,
            413: error_response(ORGANIZATION, 413),
            415: error_response(ORGANIZATION, 415, "The body is not multipart/form-data"),
        },
        examples=[
            OpenApiExample(
                "A dry run",
                response_only=True,
                value={
                    "dry_run": True,
                    "applied": False,
                    "valid": False,
                    "total_rows": 2,
                    "created": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "error_rows": 1,
                    "rows": [
                        {
                            "line": 2,
                            "action": "create",
                            "partner_id": None,
                            "code": "P-001",
                            "company_name": "Example Supplies Ltd",
                            "changes": [],
                            "errors": [],
                        },
                        {
                            "line": 3,
                            "action": "create",
                            "partner_id": None,
                            "code": "",
                            "company_name": "Example Trade Group",
                            "changes": [],
                            "errors": [
                                {"column": "email", "msg": "Enter a valid email address.", "code": "invalid_email"}
                            ],
                        },
                    ],
                },
            )
        ],
    )
    def post(self, request):
        data = self.validated(s.PartnerImportInput)
        content = csv_import_export.import_file_read(data["file"])
        report = csv_import_export.partner_import(organization=self.target, content=content, dry_run=data["dry_run"])
        return Response(s.PartnerImportOutput(report).data)
