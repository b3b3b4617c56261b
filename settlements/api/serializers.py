"""Network API (camelCase) serializers of settlements, settlement transfers and disputes: the reference's names,
snake_case sources. Signed requests' inputs give the services their fields as one value, `fields`
(settlements.payloads), beside `payload` and `signature`.
"""

import uuid

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from allocations.api.serializers import QueryDateTimeField
from config.api.fields import (
    QueryBooleanField,
    QueryChoiceField,
    QueryListField,
    QueryTextField,
    StrictBooleanField,
    StrictCharField,
    StrictUUIDField,
)
from config.api.pagination import PageNumberQuery
from partners.amounts import MAX_AMOUNT_DIGITS, format_amount, parse_amount
from settlements.models import SettlementStatus, TransferStatus
from settlements.payloads import (
    DisputeCloseFields,
    DisputeFields,
    DisputeUpdateFields,
    Movement,
    SettlementFields,
)

# Far above any real settlement (the bench's have 10 connections); bounds the work one request asks for.
MAX_MOVEMENTS = 5_000
MAX_CURRENCIES = 100
_SIGNED = {"type": "string", "pattern": rf"^-?[1-9][0-9]{{0,{MAX_AMOUNT_DIGITS - 1}}}$", "example": "-100000000"}
_CURRENCY_AMOUNTS = {"type": "object", "additionalProperties": _SIGNED}
SETTLEMENT_AMOUNTS_SCHEMA = {
    "description": "Connection id → currency → signed amount in base units (negative: the client's loss), or "
    "connection id → counterparty connection id → currency → amount (the connection's side).",
    "oneOf": [
        {"type": "object", "additionalProperties": _CURRENCY_AMOUNTS},
        {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": _CURRENCY_AMOUNTS}},
    ],
}


def _amount(value, path: str) -> int:
    """A signed, non-zero, canonical base-unit string."""
    if not isinstance(value, str):
        raise serializers.ValidationError({path: 'Send the amount as a string of base units, e.g. "-100000000".'})
    try:
        quantity = parse_amount(value, signed=True)
    except ValueError:
        raise serializers.ValidationError(
            {path: "Not an amount: base units as digits with an optional leading '-', at most 78 digits."}
        ) from None
    if quantity == 0:
        raise serializers.ValidationError({path: "Zero is not an amount: leave the currency out."})
    return quantity


def _uuid(key, path: str) -> uuid.UUID:
    try:
        return uuid.UUID(key)
    except (ValueError, TypeError, AttributeError):
        raise serializers.ValidationError({path: "Not a connection id (a UUID)."}) from None


def _currency_amounts(value, path: str) -> list[tuple[str, int]]:
    if not isinstance(value, dict) or not value:
        raise serializers.ValidationError({path: "Give a non-empty object of currency → amount."})
    if len(value) > MAX_CURRENCIES:
        raise serializers.ValidationError({path: f"At most {MAX_CURRENCIES} currencies."})
    amounts = []
    for currency, amount in value.items():
        if not currency or len(currency) > 40 or not currency.isascii() or not currency.isprintable():
            raise serializers.ValidationError({path: f"Not a currency code: {currency[:40]!r}."})
        amounts.append((currency, _amount(amount, f"{path}.{currency}")))
    return amounts


@extend_schema_field(SETTLEMENT_AMOUNTS_SCHEMA)
class SettlementAmountsField(serializers.Field):
    """The reference's `settlementAmounts`, in either form, as (movements, counterparty_form)."""

    def to_internal_value(self, data) -> tuple[tuple[Movement, ...], bool]:
        if not isinstance(data, dict) or not data:
            raise serializers.ValidationError("Give at least one connection's amounts.")
        first = next(iter(data.values()))
        counterparty_form = isinstance(first, dict) and any(isinstance(v, dict) for v in first.values())
        movements: list[Movement] = []
        seen: set[uuid.UUID] = set()
        pairs: set[frozenset] = set()
        for key, value in data.items():
            connection_id = _uuid(key, key)
            if connection_id in seen:
                raise serializers.ValidationError({key: "This connection is named twice."})
            seen.add(connection_id)
            if not counterparty_form:
                movements += [Movement(connection_id, c, q) for c, q in _currency_amounts(value, key)]
                continue
            if not isinstance(value, dict) or not value:
                raise serializers.ValidationError({key: "Give a non-empty object of counterparty → amounts."})
            for other, amounts in value.items():
                counterparty_id = _uuid(other, f"{key}.{other}")
                pair = frozenset((connection_id, counterparty_id))
                if counterparty_id == connection_id or pair in pairs:
                    raise serializers.ValidationError(
                        {f"{key}.{other}": "Each pair of connections is named once, with two different connections."}
                    )
                pairs.add(pair)
                movements += [
                    Movement(connection_id, c, q, counterparty_id)
                    for c, q in _currency_amounts(amounts, f"{key}.{other}")
                ]
        if len(movements) > MAX_MOVEMENTS:
            raise serializers.ValidationError(f"At most {MAX_MOVEMENTS} amounts in one settlement.")
        return tuple(movements), counterparty_form


class SettlementSigningInput(serializers.Serializer):
    externalId = StrictCharField(source="external_id", max_length=255, trim_whitespace=False)
    notes = StrictCharField(max_length=2000, required=False, trim_whitespace=False)
    settlementAmounts = SettlementAmountsField(source="settlement_amounts")
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    cutoffAt = StrictCharField(source="cutoff_at", max_length=64, required=False)

    def validate_cutoffAt(self, value: str) -> str:
        serializers.DateTimeField().run_validation(value)  # ISO 8601; kept as the string given (it is signed)
        return value

    def to_internal_value(self, data):
        """`fields` (SettlementFields), and what else the body has (`payload`, `signature`)."""
        values = super().to_internal_value(data)
        movements, counterparty_form = values.pop("settlement_amounts")
        cutoff_text = values.pop("cutoff_at", "")
        fields = SettlementFields(
            external_id=values.pop("external_id"),
            movements=movements,
            counterparty_form=counterparty_form,
            nonce=values.pop("nonce"),
            notes=values.pop("notes", ""),
            cutoff_at=serializers.DateTimeField().to_internal_value(cutoff_text) if cutoff_text else None,
            cutoff_at_text=cutoff_text,
        )
        return {**values, "fields": fields}


class SettlementCreateInput(SettlementSigningInput):
    payload = StrictCharField(max_length=1_000_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)


class SettlementV2CreateInput(SettlementCreateInput):
    cutoffAt = StrictCharField(source="cutoff_at", max_length=64)


class TradeInput(serializers.Serializer):
    """The reference's `InboundTrade`: checked for shape, then signed as given (nothing here stores trades)."""

    externalId = StrictCharField(max_length=255)
    externalOrderId = StrictCharField(max_length=255)
    partyConnectionId = StrictUUIDField()
    counterpartyConnectionId = StrictUUIDField(required=False)
    tradedAt = serializers.DateTimeField()
    base = serializers.DictField()
    quote = serializers.DictField()

    def validate(self, attrs):
        quantities = []
        for side in ("base", "quote"):
            value = attrs[side]
            if set(value) != {"currency", "quantity"} or not all(isinstance(v, str) for v in value.values()):
                raise serializers.ValidationError({side: "Give {currency, quantity} as strings."})
            quantities.append(_amount(value["quantity"], f"{side}.quantity"))
        if (quantities[0] > 0) == (quantities[1] > 0):
            raise serializers.ValidationError("One of base and quote is positive, the other negative.")
        return attrs


class TradeCorrectionInput(serializers.Serializer):
    externalId = StrictCharField(max_length=255, required=False)
    correctingUser = StrictCharField(max_length=255)
    reason = StrictCharField(max_length=2000)


class TradeSigningInput(serializers.Serializer):
    trade = TradeInput()
    tradeCorrection = TradeCorrectionInput(required=False)
    nonce = StrictCharField(max_length=255, trim_whitespace=False)


def _expected(value, name: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise serializers.ValidationError({name: "Give an object of currency → amount."})
    return dict(_currency_amounts(value, name)) if value else {}


class DisputeCreateInput(serializers.Serializer):
    connectionId = StrictUUIDField(source="connection_id")
    reason = StrictCharField(max_length=2000, required=False, trim_whitespace=False)
    expectedTransfers = serializers.JSONField(source="expected_transfers")
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        fields = DisputeFields(
            settlement_id=self.context["settlement_id"],
            connection_id=values["connection_id"],
            expected_transfers=_expected(values["expected_transfers"], "expectedTransfers"),
            nonce=values["nonce"],
            reason=values.get("reason", ""),
        )
        return {"fields": fields, "payload": values["payload"], "signature": values["signature"]}


class DisputeUpdateInput(serializers.Serializer):
    connectionId = StrictUUIDField(source="connection_id")
    retracted = StrictBooleanField()
    reason = StrictCharField(max_length=2000, required=False, trim_whitespace=False)
    expectedTransfers = serializers.JSONField(source="expected_transfers", required=False)
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        expected = values.get("expected_transfers")
        fields = DisputeUpdateFields(
            dispute_id=self.context["dispute_id"],
            connection_id=values["connection_id"],
            retracted=values["retracted"],
            nonce=values["nonce"],
            reason=values.get("reason", ""),
            expected_transfers=None if expected is None else _expected(expected, "expectedTransfers"),
        )
        return {"fields": fields, "payload": values["payload"], "signature": values["signature"]}


class DisputeCloseInput(serializers.Serializer):
    notes = StrictCharField(max_length=2000, trim_whitespace=False)
    nonce = StrictCharField(max_length=255, trim_whitespace=False)
    payload = StrictCharField(max_length=100_000, trim_whitespace=False)
    signature = StrictCharField(max_length=1000, trim_whitespace=False)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        fields = DisputeCloseFields(dispute_id=self.context["dispute_id"], notes=values["notes"], nonce=values["nonce"])
        return {"fields": fields, "payload": values["payload"], "signature": values["signature"]}


# --- queries --------------------------------------------------------------------------------------------------------


def _ids(source: str | None = None):
    kwargs = {"source": source} if source else {}
    return QueryListField(comma_separated=True, child=serializers.UUIDField(), **kwargs)


def _texts(source: str | None = None):
    kwargs = {"source": source} if source else {}
    return QueryListField(comma_separated=True, child=QueryTextField(max_length=255), **kwargs)


class ClientSettlementQuery(serializers.Serializer):
    settlementIds = _ids("settlement_ids")
    onlyShowDisputed = QueryBooleanField(source="only_show_disputed", required=False)
    partnerIds = _ids("partner_ids")
    partyConnectionIds = _ids("party_connection_ids")
    counterpartyConnectionIds = _ids("counterparty_connection_ids")
    statuses = QueryListField(comma_separated=True, child=serializers.ChoiceField(choices=SettlementStatus.values))


class PartnerSettlementQuery(serializers.Serializer):
    settlementIds = _ids("settlement_ids")
    onlyShowDisputed = QueryBooleanField(source="only_show_disputed", required=False)
    partnerIds = _ids("partner_ids")
    partyConnectionIds = _ids("party_connection_ids")
    counterpartyConnectionIds = _ids("counterparty_connection_ids")
    externalIds = _texts("external_ids")
    createdOnOrAfter = QueryDateTimeField(source="created_on_or_after", required=False)
    createdBefore = QueryDateTimeField(source="created_before", required=False)
    updatedOnOrAfter = QueryDateTimeField(source="updated_on_or_after", required=False)
    updatedBefore = QueryDateTimeField(source="updated_before", required=False)


class ClientSettlementTransfersQuery(PageNumberQuery):
    """A settlement's transfers (client side): by currency, paged."""

    currencies = _texts()


class PartnerSettlementTransfersQuery(ClientSettlementTransfersQuery):
    sourceNetworkAccountIds = _ids("source_network_account_ids")
    sourceTradingAccountIds = _ids("source_trading_account_ids")
    destinationNetworkAccountIds = _ids("destination_network_account_ids")
    destinationTradingAccountIds = _ids("destination_trading_account_ids")


class SettlementTransferListQuery(serializers.Serializer):
    currencies = _texts()
    initiatedBy = _texts("initiated_by")
    partnerIds = _ids("partner_ids")
    settlementIds = _ids("settlement_ids")
    settlementStatuses = QueryListField(
        source="settlement_statuses",
        comma_separated=True,
        child=serializers.ChoiceField(choices=SettlementStatus.values),
    )
    settlementTransferStatuses = QueryListField(
        source="settlement_transfer_statuses",
        comma_separated=True,
        child=serializers.ChoiceField(choices=TransferStatus.values),
    )
    settlementUpdatedBefore = QueryDateTimeField(source="settlement_updated_before", required=False)
    settlementUpdatedOnOrAfter = QueryDateTimeField(source="settlement_updated_on_or_after", required=False)
    sortField = QueryChoiceField(source="sort_field", choices=("updatedAt",), required=False)
    sortDirection = QueryChoiceField(source="sort_direction", choices=("ASC", "DESC"), default="ASC")

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "sort_field" in values:
            values["sort_field"] = "updated_at"
        values["descending"] = values.pop("sort_direction") == "DESC"
        return values


class ClientDisputeQuery(serializers.Serializer):
    settlementIds = _ids("settlement_ids")
    settledInSettlementIds = _ids("settled_in_settlement_ids")
    connectionIds = _ids("connection_ids")
    partnerIds = _ids("partner_ids")
    closed = QueryBooleanField(required=False)
    disputeIds = _ids("dispute_ids")
    disputeClosureIds = _ids("dispute_closure_ids")


class PartnerDisputeQuery(ClientDisputeQuery):
    settlementExternalIds = _texts("settlement_external_ids")
    settledInSettlementExternalIds = _texts("settled_in_settlement_external_ids")
    showRetracted = QueryBooleanField(source="show_retracted", required=False)
    clientIds = _ids("client_ids")


# --- outputs --------------------------------------------------------------------------------------------------------


def _drop_empty(data: dict, *names: str) -> dict:
    for name in names:
        if data.get(name) in (None, ""):
            data.pop(name, None)
    return data


class SettlementOutput(serializers.Serializer):
    """The reference's `V1SettlementOutput` (pending, completed, failed or rejected)."""

    id = serializers.UUIDField()
    partnerId = serializers.UUIDField(source="partner_id")
    externalId = serializers.CharField(source="external_id")
    status = serializers.ChoiceField(choices=SettlementStatus.choices)
    reason = serializers.CharField(required=False)
    settlementType = serializers.SerializerMethodField()
    reconciled = serializers.SerializerMethodField()
    initiatedBy = serializers.CharField(source="initiated_by")
    notes = serializers.CharField(required=False)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    finalizedAt = serializers.DateTimeField(source="finalized_at", required=False)
    lossSLAAlertSent = serializers.SerializerMethodField()
    gainSLAAlertSent = serializers.SerializerMethodField()
    cutoffAt = serializers.DateTimeField(source="cutoff_at", required=False)
    disputed = serializers.BooleanField()

    def get_settlementType(self, settlement) -> str:
        return "offchain"

    def get_reconciled(self, settlement) -> bool:
        return False  # the reference: no settlement is reconciled against trade data

    def get_lossSLAAlertSent(self, settlement) -> bool:
        return False  # on-chain settlements only

    def get_gainSLAAlertSent(self, settlement) -> bool:
        return False

    def to_representation(self, instance):
        data = _drop_empty(super().to_representation(instance), "notes", "finalizedAt", "cutoffAt")
        if instance.status not in (SettlementStatus.FAILED, SettlementStatus.REJECTED):
            data.pop("reason", None)
        return data


class ClientSettlementOutput(SettlementOutput):
    """A settlement in a client's list: with `transferDirection` from the client's side."""

    transferDirection = serializers.SerializerMethodField()

    def get_transferDirection(self, settlement) -> str:
        if settlement.sends and settlement.receives:
            return "send-and-receive"
        return "send" if settlement.sends else "receive"


ACCOUNT_FIELDS = (
    "sourceTradingAccountId",
    "sourceNetworkAccountId",
    "destinationTradingAccountId",
    "destinationNetworkAccountId",
)


class _TransferParties(serializers.Serializer):
    """Who a transfer moves between: source the partner (or the counterparty connection), destination the
    connection. A client sees the names of its own side only (the reference obfuscates the other)."""

    def parties(self, transfer) -> dict:
        connection, other = transfer.connection, transfer.counterparty_connection
        viewer = self.context.get("client")
        source = {
            "sourceTradingAccountId": str((other.client if other else transfer.partner.client).wallet_id),
            "sourceNetworkAccountId": str(other.network_account_id) if other else None,
            "sourceClientName": (other.client if other else transfer.partner.client).enterprise.name,
            "sourceConnectionName": other.name if other else None,
        }
        destination = {
            "destinationTradingAccountId": str(connection.client.wallet_id),
            "destinationNetworkAccountId": str(connection.network_account_id),
            "destinationClientName": connection.client.enterprise.name,
            "destinationConnectionName": connection.name,
        }
        if viewer is not None:
            if (other.client_id if other else None) != viewer.pk:
                source.pop("sourceClientName")
                source.pop("sourceConnectionName")
            if connection.client_id != viewer.pk:
                destination.pop("destinationClientName")
                destination.pop("destinationConnectionName")
        return {k: v for k, v in {**source, **destination}.items() if v is not None}

    def accounts(self, transfer) -> dict:
        """The parties' account ids only (no names): what the partner's reads and a closure's transfers show."""
        parties = self.parties(transfer)
        return {name: parties[name] for name in ACCOUNT_FIELDS if name in parties}


class AdjustedTransferOutput(_TransferParties):
    """A transfer a dispute closure made (`adjustedSettlementTransfers`): no settlement until one takes it in."""

    def to_representation(self, transfer):
        data = {
            "id": str(transfer.pk),
            **self.accounts(transfer),
            "disputeClosureId": str(transfer.dispute_closure_id),
            "currency": transfer.currency.code,
            "quantity": format_amount(transfer.quantity),
            "status": transfer.status,
            "createdAt": serializers.DateTimeField().to_representation(transfer.created_at),
            "updatedAt": serializers.DateTimeField().to_representation(transfer.updated_at),
        }
        if transfer.settlement_id:
            data["settlementId"] = str(transfer.settlement_id)
        return data


class SettlementTransferOutput(_TransferParties):
    """A settlement's transfer. The partner sees the reference's `V1SettlementTransfer` (accounts, no names); a client
    (context `client`) its `MaskedV1SettlementTransfer` (names of its own side, the settlement's status and notes)."""

    def to_representation(self, transfer):
        settlement = transfer.settlement
        parties = self.parties(transfer)
        data = {
            "id": str(transfer.pk),
            "currency": transfer.currency.code,
            "quantity": format_amount(transfer.quantity),
            "txIds": [str(settlement.posting_id)] if transfer.status == TransferStatus.COMPLETED else [],
            "status": transfer.status,
            "settlementId": str(transfer.settlement_id),
            "createdAt": serializers.DateTimeField().to_representation(transfer.created_at),
            "updatedAt": serializers.DateTimeField().to_representation(transfer.updated_at),
        }
        if transfer.dispute_closure_id:
            data["disputeClosureId"] = str(transfer.dispute_closure_id)
        if self.context.get("client") is None:
            return data | self.accounts(transfer)
        data |= parties
        data["usdValue"] = "0"  # no price feed: the network keeps no USD values
        data["settlementStatus"] = settlement.status
        if settlement.notes:
            data["settlementNotes"] = settlement.notes
        return data


class DisputeClosureOutput(serializers.Serializer):
    """`DisputeClosureOutput`, with the transfers it made."""

    id = serializers.UUIDField()
    closedBy = serializers.CharField(source="closed_by")
    userId = serializers.CharField(source="user_label")
    notes = serializers.CharField()
    adjustedSettlementTransfers = AdjustedTransferOutput(source="adjusted_settlement_transfers.all", many=True)
    createdAt = serializers.DateTimeField(source="created_at")
    status = serializers.CharField()
    adjustedTransfers = serializers.DictField(source="adjusted_transfers", child=serializers.CharField())
    reviewedBy = serializers.CharField(source="reviewed_by", required=False)
    reviewNotes = serializers.CharField(source="review_notes", required=False)

    def to_representation(self, instance):
        return _drop_empty(super().to_representation(instance), "reviewedBy", "reviewNotes")


class DisputeClosureRecordOutput(DisputeClosureOutput):
    """The answer to a client's closure (`DisputeClosure`): with the signed request, without the transfers."""

    adjustedSettlementTransfers = None
    updatedAt = serializers.DateTimeField(source="updated_at")
    payload = serializers.CharField()
    signature = serializers.CharField()


class DisputeOutput(serializers.Serializer):
    """`V1DisputeOutput`; the lists add `disputeClosure` (`with_closure`)."""

    id = serializers.UUIDField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    connectionId = serializers.UUIDField(source="connection_id")
    disputedSettlementId = serializers.UUIDField(source="settlement_id")
    userId = serializers.CharField(source="user_label")
    expectedTransfers = serializers.DictField(source="expected_transfers", child=serializers.CharField())
    retracted = serializers.BooleanField()
    settledInSettlementId = serializers.UUIDField(source="settled_in_settlement_id", required=False)
    reason = serializers.CharField(required=False)
    retractedBy = serializers.CharField(source="retracted_by", required=False)
    retractedAt = serializers.DateTimeField(source="retracted_at", required=False)
    disputeClosureId = serializers.UUIDField(source="closure_id", required=False)
    retractedReason = serializers.CharField(source="retracted_reason", required=False)

    def to_representation(self, instance):
        data = _drop_empty(
            super().to_representation(instance),
            "settledInSettlementId",
            "reason",
            "retractedBy",
            "retractedAt",
            "disputeClosureId",
            "retractedReason",
        )
        if self.context.get("with_closure") and instance.closure_id:
            data["disputeClosure"] = DisputeClosureOutput(instance.closure, context=self.context).data
        return data


class DisputeEnvelopeOutput(serializers.Serializer):
    dispute = DisputeOutput()


class DisputeClosureEnvelopeOutput(serializers.Serializer):
    disputeClosure = DisputeClosureRecordOutput(source="*")


class SettlementEnvelopeOutput(serializers.Serializer):
    settlement = SettlementOutput(source="*")


class SettlementV2Output(SettlementOutput):
    settlingDisputes = serializers.SerializerMethodField()

    @extend_schema_field(DisputeOutput(many=True))
    def get_settlingDisputes(self, settlement) -> list:
        disputes = self.context["settling_disputes"]
        return DisputeOutput(disputes, many=True, context={**self.context, "with_closure": True}).data


class SettlementV2EnvelopeOutput(serializers.Serializer):
    settlement = SettlementV2Output(source="*")


class SettlementDetailOutput(serializers.Serializer):
    """`V1GetSettlementOkPayload`: the settlement, one page of its transfers, and its disputes (with closures)."""

    settlement = SettlementOutput()
    settlementTransfers = SettlementTransferOutput(source="transfers", many=True)
    settlingDisputes = serializers.SerializerMethodField()
    settlementDisputes = serializers.SerializerMethodField()

    def _disputes(self, disputes) -> list:
        return DisputeOutput(disputes, many=True, context={**self.context, "with_closure": True}).data

    @extend_schema_field(DisputeOutput(many=True))
    def get_settlingDisputes(self, detail) -> list:
        return self._disputes(detail["settling_disputes"])

    @extend_schema_field(DisputeOutput(many=True))
    def get_settlementDisputes(self, detail) -> list:
        return self._disputes(detail["settlement_disputes"])
