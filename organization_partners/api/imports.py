"""`POST /api/v1/partners/import`: a CSV file of partner records, checked (dry run, the default) or applied, all rows
or none (organization_partners.csv_import_export). Organization dialect, Self only, WRITE_PARTNER."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api.dialects import ORGANIZATION
from config.api.permissions import Resource
from config.api.schema import error_response
from organization_partners import csv_import_export
from organizations.api.base import OrganizationAPIView


class PartnerImportInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # the import says what an empty file lacks
        help_text=(
            "A CSV file, UTF-8 (a BOM is accepted), header line first. Columns: "
            f"{', '.join(csv_import_export.REQUIRED_COLUMNS)} (required), then optionally "
            f"{', '.join(csv_import_export.OPTIONAL_COLUMNS)} (`properties` is a JSON object of text values)."
        ),
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="true (the default): only report what would happen. false: apply, all rows or none."
    )


class PartnerImportErrorOutput(serializers.Serializer):
    column = serializers.CharField(source="field", help_text="The column the error is about; empty for the row.")
    msg = serializers.CharField()
    code = serializers.CharField()


class PartnerImportRowOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of the file the row starts on (the header is line 1).")
    action = serializers.ChoiceField(
        choices=[csv_import_export.CREATE, csv_import_export.UPDATE, csv_import_export.UNCHANGED]
    )
    partner_id = serializers.UUIDField(
        allow_null=True, help_text="The record updated, or once applied the record created."
    )
    code = serializers.CharField()
    company_name = serializers.CharField()
    changes = serializers.ListField(child=serializers.CharField(), help_text="The columns an update changes.")
    errors = PartnerImportErrorOutput(many=True)


class PartnerImportOutput(serializers.Serializer):
    dry_run = serializers.SerializerMethodField()
    applied = serializers.BooleanField()
    valid = serializers.BooleanField(help_text="No row has an error (applying would write every row).")
    total_rows = serializers.SerializerMethodField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_rows = serializers.IntegerField()
    rows = PartnerImportRowOutput(many=True)

    def get_dry_run(self, report) -> bool:
        return not report.applied

    def get_total_rows(self, report) -> int:
        return len(report.rows)


class PartnerImportView(OrganizationAPIView):
    permission_rule = Resource("PARTNER")  # POST → WRITE_PARTNER
    parser_classes = [MultiPartParser]
    tags = ["Partners"]

    @extend_schema(
        summary="Import partners from a CSV file (a dry run first, then apply: all rows or none)",
        description=(
            "A row whose `code` an existing record of the organization has updates that record; any other row "
            "creates one. The dry run (`dry_run=true`, the default) answers every row's action and errors with "
            "the column named, and writes nothing. Applying (`dry_run=false`) checks again and writes every row in "
            "one transaction; if any row fails it answers 422 with one item per error, located "
            '`["body", "file", <line>, <column>]`, and writes nothing. A file that cannot be read (not UTF-8, '
            'missing or unknown header columns, empty, too many rows) answers 422 located `["body", "file"]`; '
            "one over the size limit 413."
        ),
        request={"multipart/form-data": PartnerImportInput},
        responses={
            200: PartnerImportOutput,
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
        data = self.validated(PartnerImportInput)
        content = csv_import_export.import_file_read(data["file"])
        report = csv_import_export.partner_import(organization=self.target, content=content, dry_run=data["dry_run"])
        return Response(PartnerImportOutput(report).data)
