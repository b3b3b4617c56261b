"""Organization API (snake_case) serializers of organization partners (seeds 002/003, with seed 001's fields).

Input serializers check what the wire contract says (presence, types, the seed's lengths and ranges, enums); the
domain (`organization_partners.services.organization_partner_clean`) checks the rest (a real country code, an IANA time
zone, a valid email, string property values, a unique code, the parent organization) and names every failing field at
once.
Unknown body fields are ignored, as everywhere in this API (read-only fields such as `id` too).
"""

from rest_framework import serializers

from config.api.fields import (
    BlankAsNullEmailField,
    BlankAsNullMixin,
    QueryChoiceField,
    QueryListField,
    QueryTextField,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    StrictUUIDField,
)
from organization_partners import csv_import_export
from organization_partners.models import SALES_AMOUNT_MAX, PartnerInvitationStatus, PartnerType
from organization_partners.selectors import PARTNER_ORDER_FIELDS, PARTNER_SEARCH_FIELDS
from organization_partners.services import COUNT_MAX, PROPERTY_VALUE_MAX


class PropertiesField(serializers.DictField):
    """A string → string map; the domain checks names and values and names each bad one (`properties.<key>`)."""

    def __init__(self, **kwargs) -> None:
        value = StrictCharField(allow_blank=True, trim_whitespace=False, max_length=PROPERTY_VALUE_MAX)
        kwargs.setdefault("child", value)
        kwargs.setdefault("help_text", 'Additional details as string values, e.g. {"foo": "abc", "bar": "123"}.')
        super().__init__(**kwargs)


def _text(max_length: int, *, min_length: int = 1, **kwargs) -> StrictCharField:
    return StrictCharField(min_length=min_length, max_length=max_length, **kwargs)


class OrganizationPartnerCreateInput(serializers.Serializer):
    """Seed 003's body (every field required), plus the optional fields of seed 001."""

    company_name = _text(100, help_text="Name of the partner company.")
    sales_amount = StrictIntegerField(
        min_value=0, max_value=SALES_AMOUNT_MAX, allow_strings=False, help_text="Annual sales amount with this partner."
    )
    partner_type = serializers.ChoiceField(choices=PartnerType.choices, help_text="Type of organization partner.")
    email = StrictEmailField(min_length=1, max_length=100, help_text="Contact email address of the partner.")
    frequency = _text(30, help_text="Frequency of transactions with the partner.")
    payment_terms = _text(50, help_text="Payment terms agreed with the partner.")
    address = _text(500, help_text="Street address.")
    city = _text(100)
    state = _text(100, help_text="State or province.")
    postal_code = _text(30)
    country_code = _text(2, min_length=2, help_text="ISO 3166-1 alpha-2 country code (a real one), e.g. US.")
    company_registration_number = _text(255)
    code = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=100,
        help_text="The code identifying the partner, unique within the organization; null or empty: none.",
    )
    timezone = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text="IANA time zone used to localize dates and times, e.g. Europe/Rome.",
    )
    customer_count = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=COUNT_MAX,
        allow_strings=False,
        help_text="The number of customers associated with the partner.",
    )
    properties = PropertiesField(required=False, allow_null=True)
    parent_organization_id = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="The organization the partner sits under: this organization (the default) or a sub-organization.",
    )


class OrganizationPartnerUpdateInput(OrganizationPartnerCreateInput):
    """Any subset of the create body's fields, by the same rules (a PATCH). null clears an optional field."""


class BlankAsNullCharField(BlankAsNullMixin, serializers.CharField):
    pass


class BlankAsNullChoiceField(BlankAsNullMixin, serializers.ChoiceField):
    pass


class OrganizationPartnerOutput(serializers.Serializer):
    """Seed 003's response fields plus seed 001's. Fields a record lacks are null (a record made through the seed-001
    API needs only a name)."""

    company_name = serializers.CharField(help_text="Name of the partner company.")
    sales_amount = serializers.IntegerField(allow_null=True)
    partner_type = BlankAsNullChoiceField(choices=PartnerType.choices)
    email = BlankAsNullEmailField()
    frequency = BlankAsNullCharField()
    payment_terms = BlankAsNullCharField()
    address = BlankAsNullCharField()
    city = BlankAsNullCharField()
    state = BlankAsNullCharField()
    postal_code = BlankAsNullCharField()
    country_code = BlankAsNullCharField(help_text="ISO 3166-1 alpha-2.")
    company_registration_number = BlankAsNullCharField()
    code = BlankAsNullCharField(help_text="The code identifying the partner.")
    timezone = BlankAsNullCharField(help_text="IANA time zone.")
    customer_count = serializers.IntegerField(allow_null=True)
    properties = serializers.DictField(child=serializers.CharField())
    parent_organization_id = serializers.UUIDField(
        allow_null=True, help_text="The sub-organization the partner sits under; null: the organization itself."
    )
    id = serializers.UUIDField(help_text="Unique identifier of the organization partner.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    invitation_status = BlankAsNullChoiceField(
        choices=PartnerInvitationStatus.choices, help_text="null until the partner is invited."
    )
    guest_organization_id = serializers.UUIDField(
        allow_null=True, help_text="The guest organization, once the partner accepted the invitation."
    )


class OrganizationPartnerListQuery(serializers.Serializer):
    partner_types = QueryListField(
        child=serializers.ChoiceField(choices=PartnerType.choices), help_text="Only these partner types (repeat)."
    )
    partner_ids = QueryListField(child=serializers.UUIDField(), help_text="Only these partner ids (repeat).")
    invitation_statuses = QueryListField(
        child=serializers.ChoiceField(choices=[*PartnerInvitationStatus.values, "none"]),
        help_text="Only these invitation statuses (repeat); `none`: never invited.",
    )
    search_field = QueryChoiceField(
        choices=PARTNER_SEARCH_FIELDS, default="company_name", help_text="The field `search_text` looks in."
    )
    search_text = QueryTextField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Case-insensitive text the search field contains (empty: no search).",
    )
    order_by = QueryChoiceField(
        choices=PARTNER_ORDER_FIELDS, required=False, help_text="Sort key (default: creation time)."
    )
    order_dir = QueryChoiceField(choices=["asc", "desc"], default="asc", help_text="Sort direction.")


# --- CSV import (`POST /api/v1/partners/import`) ---------------------------------------------------------------


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
