"""Seed 001's partner API: its bodies (wire names camelCase, as the seed has them)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import StrictCharField, StrictIntegerField, StrictUUIDField
from organization_partners.api.serializers import PropertiesField
from organization_partners.models import OrganizationPartner
from organization_partners.services import COUNT_MAX


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
        max_value=COUNT_MAX,
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
