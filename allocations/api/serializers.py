"""Network API (camelCase) serializers of allocations, deallocations and balances (the reference's names, snake_case
sources).

Signed requests' inputs give the service their fields as one value, `fields` (`AllocationFields`,
`PartnerUpdateFields`), beside `payload` and `signature`.

Two outputs: the reads (`V1AllocationGetOutput`: `type`, and `reason` null when there is none) and the answers to a
create or a refusal (`V1ClearedAllocation` and its siblings: no `type`, `reason` only when there is one).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from allocations.models import PARTNER_FINAL_STATUSES, AllocationStatus, AllocationType
from allocations.payloads import AllocationFields, PartnerUpdateFields
from config.api.fields import (
    DisplayTextField,
    QueryChoiceField,
    QueryListField,
    QueryTextField,
    QueryValueMixin,
    StrictCharField,
    StrictUUIDField,
)
from config.api.pagination import PageNumberQuery
from config.api.serializers import SharedFieldsSerializer
from partners.amounts import MAX_AMOUNT_DIGITS, format_amount
from partners.api.fields import AmountStringField

# The sort fields' wire names → the selectors' names (allocations.selectors.allocations.SORT_FIELDS).
SORT_FIELDS = {"id": "id", "updatedAt": "updated_at", "quantity": "quantity", "currency": "currency"}
PARTNER_SORT_FIELDS = ("id", "updatedAt", "quantity")


@extend_schema_field(
    {
        "type": "string",
        "pattern": rf"^[1-9][0-9]{{0,{MAX_AMOUNT_DIGITS - 1}}}$",
        "maxLength": MAX_AMOUNT_DIGITS,
        "description": "A positive amount in base units as a string of digits (100000000 is 1 BTC).",
        "example": "100000000",
    }
)
class PositiveAmountStringField(AmountStringField):
    """An amount greater than zero (allocations move something or are not made)."""

    default_error_messages = {"not_positive": "The quantity must be greater than zero."}

    def to_internal_value(self, data) -> int:
        value = super().to_internal_value(data)
        if value <= 0:
            self.fail("not_positive")
        return value


class QueryDateTimeField(QueryValueMixin, serializers.DateTimeField):
    pass


class AmountInput(SharedFieldsSerializer):
    currency = StrictCharField(max_length=32)
    quantity = PositiveAmountStringField()


class AllocationSigningInput(SharedFieldsSerializer):
    # Fields built once (config.api.serializers): they validate from the data alone (the context is read by this
    # serializer's own `to_internal_value`, on the instance). A comment, not a docstring: the schema shows docstrings.
    amount = AmountInput()
    clientExternalId = DisplayTextField(source="client_external_id", max_length=255, trim_whitespace=False)
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    notes = DisplayTextField(max_length=2000, required=False, trim_whitespace=False, allow_newlines=True)

    def to_internal_value(self, data):
        """`fields`, the request through the connection of the URL (context `connection_id`), and what else the
        body has (`payload`, `signature`)."""
        values = super().to_internal_value(data)
        amount = values.pop("amount")
        fields = AllocationFields(
            connection_id=self.context["connection_id"],
            currency=amount["currency"],
            quantity=amount["quantity"],
            client_external_id=values.pop("client_external_id"),
            nonce=values.pop("nonce"),
            notes=values.pop("notes", ""),
        )
        return {**values, "fields": fields}


class AllocationCreateInput(AllocationSigningInput):
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)


class PartnerAllocationUpdateInput(serializers.Serializer):
    allocationId = StrictUUIDField(source="allocation_id")
    amount = AmountInput()
    clientId = StrictUUIDField(source="client_id")
    connectionId = StrictUUIDField(source="connection_id")
    partnersClientId = StrictCharField(source="partners_client_id", max_length=255)
    partnersConnectionId = StrictCharField(source="partners_connection_id", max_length=255)
    partnersAllocationId = StrictCharField(source="partners_allocation_id", max_length=255)
    status = serializers.ChoiceField(choices=PARTNER_FINAL_STATUSES)
    rejectReason = StrictCharField(source="reject_reason", max_length=2000, required=False)
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)

    def validate(self, attrs):
        fields = attrs["fields"]
        if fields.status == AllocationStatus.RELEASED and not fields.reject_reason:
            raise serializers.ValidationError({"rejectReason": "A release needs a reason."}, code="required")
        return attrs

    def to_internal_value(self, data):
        """`fields`, the update, and `payload` and `signature`."""
        values = super().to_internal_value(data)
        amount = values.pop("amount")
        payload, signature = values.pop("payload"), values.pop("signature")
        fields = PartnerUpdateFields(currency=amount["currency"], quantity=amount["quantity"], **values)
        return {"fields": fields, "payload": payload, "signature": signature}


class PartnerDeallocationUpdateInput(PartnerAllocationUpdateInput):
    allocationId = None
    partnersAllocationId = None
    deallocationId = StrictUUIDField(source="allocation_id")
    partnersDeallocationId = StrictCharField(source="partners_allocation_id", max_length=255)


class AllocationQuery(serializers.Serializer):
    allocationIds = QueryListField(source="allocation_ids", comma_separated=True, child=serializers.UUIDField())
    types = QueryListField(comma_separated=True, child=serializers.ChoiceField(choices=AllocationType.values))
    statuses = QueryListField(comma_separated=True, child=serializers.ChoiceField(choices=AllocationStatus.values))
    currencies = QueryListField(comma_separated=True, child=QueryTextField(max_length=32))
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())
    createdOnOrAfter = QueryDateTimeField(source="created_on_or_after", required=False)
    createdBefore = QueryDateTimeField(source="created_before", required=False)
    sortField = QueryChoiceField(source="sort_field", choices=tuple(SORT_FIELDS), required=False)
    sortDirection = QueryChoiceField(source="sort_direction", choices=("ASC", "DESC"), default="ASC")

    def to_internal_value(self, data):
        """The selectors' keyword arguments: the sort field by its domain name, the direction as `descending`."""
        values = super().to_internal_value(data)
        if "sort_field" in values:
            values["sort_field"] = SORT_FIELDS[values["sort_field"]]
        values["descending"] = values.pop("sort_direction") == "DESC"
        return values


class PartnerAllocationQuery(AllocationQuery):
    createdOnOrAfter = None
    createdBefore = None
    clientIds = QueryListField(source="client_ids", comma_separated=True, child=serializers.UUIDField())
    sortField = QueryChoiceField(source="sort_field", choices=PARTNER_SORT_FIELDS, required=False)


class AmountOutput(SharedFieldsSerializer):
    currency = serializers.CharField(source="currency.code")
    quantity = serializers.SerializerMethodField()

    def get_quantity(self, allocation) -> str:
        return format_amount(allocation.quantity)


class AllocationOutput(SharedFieldsSerializer):
    """An allocation or deallocation as the reads show it (the reference's `V1AllocationGetOutput`)."""

    # Fields built once (config.api.serializers): it renders from the instance alone.
    id = serializers.UUIDField()
    amount = AmountOutput(source="*")
    connectionId = serializers.UUIDField(source="connection_id")
    clientExternalId = serializers.CharField(source="client_external_id")
    partnerExternalId = serializers.CharField(source="partner_external_id", required=False)
    initiatedBy = serializers.CharField(source="initiated_by")
    notes = serializers.CharField(required=False)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    retriable = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=AllocationStatus.choices)
    type = serializers.ChoiceField(choices=AllocationType.choices)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("partnerExternalId", "notes"):
            if not data.get(name):
                data.pop(name, None)
        data["reason"] = data["reason"] or None
        return data


class AllocationResultOutput(AllocationOutput):
    """The answer to a create (cleared, reserved) or its refusal (released): no `type`; `reason` when there is one."""

    type = None
    reason = serializers.CharField(required=False)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("reason") is None:
            data.pop("reason", None)
        return data


class AllocationEnvelopeOutput(serializers.Serializer):
    allocation = AllocationOutput()


class AllocationCreatedOutput(serializers.Serializer):
    allocation = AllocationResultOutput()


class DeallocationCreatedOutput(serializers.Serializer):
    deallocation = AllocationResultOutput()


class AllocationRefusedOutput(AllocationCreatedOutput):
    error = serializers.CharField()
    name = serializers.CharField()
    requestId = serializers.CharField()


class DeallocationRefusedOutput(DeallocationCreatedOutput):
    error = serializers.CharField()
    name = serializers.CharField()
    requestId = serializers.CharField()


class PartnerAllocationUpdateOutput(serializers.Serializer):
    allocationId = serializers.UUIDField(source="id")
    amount = AmountOutput(source="*")
    clientId = serializers.UUIDField(source="client_id")
    connectionId = serializers.UUIDField(source="connection_id")
    # The partner's own ids, as its request gave them (a connection it has not initialized stores none).
    partnersClientId = serializers.SerializerMethodField()
    partnersConnectionId = serializers.SerializerMethodField()
    partnersAllocationId = serializers.CharField(source="partner_external_id")

    def get_partnersClientId(self, allocation) -> str:
        return self.context["partners_client_id"]

    def get_partnersConnectionId(self, allocation) -> str:
        return self.context["partners_connection_id"]


class PartnerDeallocationUpdateOutput(PartnerAllocationUpdateOutput):
    allocationId = None
    partnersAllocationId = None
    deallocationId = serializers.UUIDField(source="id")
    partnersDeallocationId = serializers.CharField(source="partner_external_id")


# --- balances: query parameters ---------------------------------------------------------------------------------------


class ClientBalancesQuery(PageNumberQuery):
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())


class PartnerBalancesQuery(PageNumberQuery):
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())
    clientIds = QueryListField(source="client_ids", comma_separated=True, child=serializers.UUIDField())
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnersConnectionIds = QueryListField(
        source="partners_connection_ids", comma_separated=True, child=QueryTextField(max_length=255)
    )


# --- balances: output -------------------------------------------------------------------------------------------------


class CurrencyBalanceOutput(serializers.Serializer):
    available = AmountStringField()
    held = AmountStringField()


class ConnectionBalanceFields(serializers.Serializer):
    partnerId = serializers.UUIDField(source="partner_id")
    partnersConnectionId = serializers.SerializerMethodField(
        help_text="The partner's id for the connection; the connection's own id until the partner has set one."
    )
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), help_text="Currency code → this connection's balances."
    )

    def get_partnersConnectionId(self, connection) -> str:
        return connection.partners_connection_id or str(connection.pk)


class ClientNetworkBalanceOutput(ConnectionBalanceFields):
    name = serializers.CharField()
    partnerInstitutionIdentifier = serializers.CharField(source="partner.institution_identifier")


class PartnerNetworkBalanceOutput(ConnectionBalanceFields):
    clientId = serializers.UUIDField(source="client_id")


class ClientBalancesOutput(serializers.Serializer):
    clientId = serializers.UUIDField(source="client.pk")
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), help_text="Currency code → the client's own balances."
    )
    networkBalances = serializers.DictField(
        source="network_balances", child=ClientNetworkBalanceOutput(), help_text="Connection id → its balances."
    )


class PartnerBalancesOutput(serializers.Serializer):
    networkBalances = serializers.DictField(
        source="network_balances", child=PartnerNetworkBalanceOutput(), help_text="Connection id → its balances."
    )
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), required=False, help_text="Currency code → the partner's own balances."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.balances is None:
            data.pop("balances")
        return data
