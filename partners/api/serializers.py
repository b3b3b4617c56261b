"""Network API (camelCase) input and output serializers for partners, network clients and connections.

Input fields are declared with the reference's camelCase names and a snake_case `source`, so services see only
domain names. Output serializers declare their fields (no model introspection per response) and leave out optional
fields that have no value, as the reference's schemas have no nulls there.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import (
    NameField,
    QueryBooleanField,
    QueryListField,
    QueryTextField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)
from organizations.models import TrustOrg
from partners.models import CONNECTION_KEY_FIELDS, ConnectionKeySchema

MAX_CONNECTION_KEY_FIELD_LENGTH = 4096  # room for an RSA-OAEP/AES-GCM envelope, bounded


class OmitEmptyOutput(serializers.Serializer):
    """Leaves out the `optional` fields whose value is None or "" (and the schema says they may be absent)."""

    optional: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.optional:
            self.fields[name].required = False

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in self.optional:
            if data.get(name) in (None, ""):
                data.pop(name, None)
        return data


# --- partners ---------------------------------------------------------------------------------------------------


class PartnerCreateInput(serializers.Serializer):
    name = NameField(max_length=200)
    broker = StrictBooleanField()
    institutionId = StrictUUIDField(source="institution_id", required=False)
    institutionIdentifier = NameField(source="institution_identifier", max_length=255)
    connectionKeySchema = serializers.ChoiceField(source="connection_key_schema", choices=ConnectionKeySchema.choices)
    clientDisputeWindowMinutes = StrictIntegerField(
        source="client_dispute_window_minutes",
        min_value=0,
        max_value=10**6,
        required=False,
        allow_null=True,
        allow_strings=False,
    )
    topUpWindowMinutes = StrictIntegerField(
        source="top_up_window_minutes",
        min_value=0,
        max_value=10**6,
        required=False,
        allow_null=True,
        allow_strings=False,
    )
    allocationPoliciesEnabled = StrictBooleanField(source="allocation_policies_enabled", required=False)


class PartnerDirectoryQuery(serializers.Serializer):
    ids = QueryListField(comma_separated=True, child=serializers.UUIDField())
    names = QueryListField(comma_separated=True, child=QueryTextField(max_length=200))
    institutionIds = QueryListField(source="institution_ids", comma_separated=True, child=serializers.UUIDField())
    institutionIdentifiers = QueryListField(
        source="institution_identifiers", comma_separated=True, child=QueryTextField(max_length=255)
    )
    active = QueryBooleanField(required=False)
    filterByTrustOrg = QueryBooleanField(source="filter_by_trust_org", required=False)
    allocationPoliciesEnabled = QueryBooleanField(source="allocation_policies_enabled", required=False)


class PartnerDirectoryOutput(OmitEmptyOutput):
    """A partner as the directory shows it to every network member."""

    optional = ("institutionId", "settlementTransactionRouteId", "publicKey", "clientDisputeWindowMinutes")
    optional += ("topUpWindowMinutes",)

    id = serializers.UUIDField()
    name = serializers.CharField()
    institutionId = serializers.UUIDField(source="institution_id", allow_null=True)
    institutionIdentifier = serializers.CharField(source="institution_identifier")
    connectionKeySchema = serializers.ChoiceField(source="connection_key_schema", choices=ConnectionKeySchema.choices)
    active = serializers.BooleanField()
    settlementTransactionRouteId = serializers.CharField(source="config.settlement_transaction_route_id")
    publicKey = serializers.CharField(source="config.public_key")
    enterpriseId = serializers.CharField(source="enterprise_id")
    clientDisputeWindowMinutes = serializers.IntegerField(source="client_dispute_window_minutes", allow_null=True)
    topUpWindowMinutes = serializers.IntegerField(source="top_up_window_minutes", allow_null=True)
    trustOrg = serializers.ChoiceField(source="config.trust_org", choices=TrustOrg.choices)
    stablePartner = serializers.BooleanField(source="stable")


class PartnerOutput(PartnerDirectoryOutput):
    """The full partner record (its own enterprise's view, seed 000's response)."""

    clientId = serializers.UUIDField(source="client_id")
    broker = serializers.BooleanField()
    allocationPoliciesEnabled = serializers.BooleanField(source="allocation_policies_enabled")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    stablePartner = None


class PartnerCreatedOutput(serializers.Serializer):
    partner = PartnerOutput()


# --- network clients --------------------------------------------------------------------------------------------


class NetworkClientOutput(serializers.Serializer):
    id = serializers.UUIDField()
    enterpriseId = serializers.CharField(source="enterprise_id")
    trustOrg = serializers.ChoiceField(source="trust_org", choices=TrustOrg.choices)
    walletId = serializers.CharField(source="wallet_id")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class NetworkClientCreatedOutput(serializers.Serializer):
    client = NetworkClientOutput()


# --- connections ------------------------------------------------------------------------------------------------


def _connection_key_schema() -> dict:
    """The reference's `ConnectionKey`: one object per schema, `schema` and exactly that schema's fields, all required
    (the field refuses any other, so the schema says so)."""
    variants = []
    for schema, fields in CONNECTION_KEY_FIELDS.items():
        properties = {"schema": {"type": "string", "enum": [str(schema)]}}
        properties |= {
            field: {"type": "string", "minLength": 1, "maxLength": MAX_CONNECTION_KEY_FIELD_LENGTH, "writeOnly": True}
            for field in fields
        }
        variants.append(
            {
                "type": "object",
                "properties": properties,
                "required": ["schema", *fields],
                "additionalProperties": False,  # another schema's field is refused (400)
            }
        )
    return {"oneOf": variants, "description": "Credentials at the partner: stored encrypted, never returned."}


@extend_schema_field(_connection_key_schema())
class ConnectionKeyField(serializers.Field):
    """One of the reference's four connection keys: `schema` and exactly that schema's fields (non-empty strings)."""

    default_error_messages = {
        "not_an_object": "A connection key is a JSON object with a `schema`.",
        "schema": "`schema` must be one of: {choices}.",
        "missing_field": "`{field}` is required for the {schema} schema.",
        "not_a_string": "`{field}` must be a non-empty string of at most {max} characters.",
        "unknown": "`{field}` is not a field of the {schema} schema.",
        "surrogate": "`{field}` is not valid Unicode text (it holds a lone surrogate).",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_an_object")
        schema = data.get("schema")
        if not isinstance(schema, str) or schema not in CONNECTION_KEY_FIELDS:
            self.fail("schema", choices=", ".join(ConnectionKeySchema.values))
        fields = CONNECTION_KEY_FIELDS[schema]
        unknown = next((key for key in data if key != "schema" and key not in fields), None)
        if unknown is not None:
            self.fail("unknown", field=str(unknown)[:50], schema=schema)
        for field in fields:
            if field not in data:
                self.fail("missing_field", field=field, schema=schema)
            value = data[field]
            if not isinstance(value, str) or not value or len(value) > MAX_CONNECTION_KEY_FIELD_LENGTH:
                self.fail("not_a_string", field=field, max=MAX_CONNECTION_KEY_FIELD_LENGTH)
            try:  # not text: it could be neither encrypted nor signed
                value.encode("utf-8")
            except UnicodeEncodeError:
                self.fail("surrogate", field=field)
        return {"schema": schema, **{field: data[field] for field in fields}}

    def to_representation(self, value):  # never: connection keys are not returned
        raise NotImplementedError


class ConnectionSigningInput(serializers.Serializer):
    partnerId = StrictUUIDField(source="partner_id")
    name = NameField(max_length=200)
    connectionKey = ConnectionKeyField(source="connection_key")
    nonce = StrictCharField(max_length=255, trim_whitespace=False)


class ConnectionCreateInput(ConnectionSigningInput):
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)


class ConnectionUpdateInput(serializers.Serializer):
    name = NameField(max_length=200, required=False)
    active = StrictBooleanField(required=False)


class SigningPayloadOutput(serializers.Serializer):
    payload = serializers.CharField()


class ClientConnectionQuery(serializers.Serializer):
    active = QueryBooleanField(required=False)
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    names = QueryListField(comma_separated=True, child=QueryTextField(max_length=200))
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())


class PartnerConnectionQuery(serializers.Serializer):
    active = QueryBooleanField(required=False)
    clientIds = QueryListField(source="client_ids", comma_separated=True, child=serializers.UUIDField())
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnersClientIds = QueryListField(
        source="partners_client_ids", comma_separated=True, child=QueryTextField(max_length=255)
    )
    partnersConnectionIds = QueryListField(
        source="partners_connection_ids", comma_separated=True, child=QueryTextField(max_length=255)
    )
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())


class ConnectionOutput(serializers.Serializer):
    """A connection, without its key (a credential, never returned)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    clientId = serializers.UUIDField(source="client_id")
    partnerId = serializers.UUIDField(source="partner_id")
    networkAccountId = serializers.UUIDField(source="network_account_id")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    active = serializers.BooleanField()
    proof = serializers.CharField(source="signature", help_text="The signature of the request that made it.")
    nonce = serializers.CharField()
    partnersConnectionId = serializers.SerializerMethodField()
    partnersClientId = serializers.SerializerMethodField()
    initialized = serializers.BooleanField()

    def get_partnersConnectionId(self, connection) -> str | None:
        return connection.partners_connection_id or None

    def get_partnersClientId(self, connection) -> str | None:
        return connection.partners_client_id or None


class ConnectionEnvelopeOutput(serializers.Serializer):
    connection = ConnectionOutput()


# --- supported currencies -----------------------------------------------------------------------------------------


class SupportedCurrenciesQuery(serializers.Serializer):
    partnerIds = QueryListField(
        source="partner_ids", comma_separated=True, required=True, min_length=1, child=serializers.UUIDField()
    )


class SupportedCurrencyOutput(serializers.Serializer):
    """One currency a partner supports (the reference's `BNMetadata`, with the currency it describes)."""

    currency = serializers.CharField(source="code")
    name = serializers.CharField()
    decimals = serializers.IntegerField()
    partnerNames = serializers.ListField(child=serializers.CharField())


class SupportedCurrenciesOutput(serializers.Serializer):
    supportedCurrencies = serializers.DictField(
        child=SupportedCurrencyOutput(many=True), help_text="Partner id → the currencies it supports."
    )
    domain = serializers.CharField()
