"""The signed requests of settlements and disputes: what each asks for, as one frozen value built once at the edge
(the API's input serializers, the pages' forms) and passed to the services, and the exact fields it signs.

The signed fields are a wire contract of their own: the reference SDK signs these camelCase keys, so they are
spelled here, once, and nowhere else in the domain (organizations.signing.signing_payload encodes them). Amounts are
signed as the request gave them: canonical base-unit integer strings, negative for a client's loss.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from partners.amounts import format_amount


@dataclass(frozen=True)
class Movement:
    """One amount of a settlement: `quantity` base units of `currency` for `connection_id` (positive: the
    connection gains), from the partner, or from `counterparty_id` (another connection to the same partner)."""

    connection_id: uuid.UUID
    currency: str
    quantity: int
    counterparty_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class SettlementFields:
    """A partner's settlement request: `movements` in the order the request gave them, in one of the reference's
    two forms (`counterparty_form`: {party: {counterparty: {currency: amount}}}; else {connection: {currency:
    amount}}). `cutoff_at` (v2) keeps the string the request gave, as it is signed, beside its value."""

    external_id: str
    movements: tuple[Movement, ...]
    counterparty_form: bool
    nonce: str
    notes: str = ""
    cutoff_at: datetime.datetime | None = None
    cutoff_at_text: str = ""

    def settlement_amounts(self) -> dict:
        amounts: dict = {}
        for movement in self.movements:
            party = amounts.setdefault(str(movement.connection_id), {})
            if self.counterparty_form:
                party = party.setdefault(str(movement.counterparty_id), {})
            party[movement.currency] = format_amount(movement.quantity)
        return amounts

    def signed(self) -> dict:
        """The request body without `payload` and `signature`: `notes` and `cutoffAt` only when given."""
        fields: dict = {"externalId": self.external_id}
        if self.notes:
            fields["notes"] = self.notes
        fields["settlementAmounts"] = self.settlement_amounts()
        fields["nonce"] = self.nonce
        if self.cutoff_at_text:
            fields["cutoffAt"] = self.cutoff_at_text
        return fields


@dataclass(frozen=True, kw_only=True)
class DisputeFields:
    """A client's dispute of a settlement's transfers on one of its connections. `expected_transfers`: currency
    code → the signed amount the client expected (positive: to receive)."""

    settlement_id: uuid.UUID
    connection_id: uuid.UUID
    expected_transfers: dict[str, int]
    nonce: str
    reason: str = ""

    def signed(self) -> dict:
        """The request body without `payload` and `signature`, and the settlement's id (the URL's)."""
        fields: dict = {"connectionId": str(self.connection_id)}
        if self.reason:
            fields["reason"] = self.reason
        fields["expectedTransfers"] = _amounts(self.expected_transfers)
        return fields | {"nonce": self.nonce, "settlementId": str(self.settlement_id)}


@dataclass(frozen=True, kw_only=True)
class DisputeUpdateFields:
    """A client retracts (`retracted` True) or un-retracts its dispute; `expected_transfers` replaces the
    dispute's when given."""

    dispute_id: uuid.UUID
    connection_id: uuid.UUID
    retracted: bool
    nonce: str
    reason: str = ""
    expected_transfers: dict[str, int] | None = None

    def signed(self, *, settlement_id: uuid.UUID) -> dict:
        """The request body without `payload` and `signature`, with the dispute's and its settlement's ids (the
        reference: "all request body properties and the disputeId & settlementId parameters")."""
        fields: dict = {"connectionId": str(self.connection_id), "retracted": self.retracted}
        if self.reason:
            fields["reason"] = self.reason
        if self.expected_transfers is not None:
            fields["expectedTransfers"] = _amounts(self.expected_transfers)
        return fields | {"nonce": self.nonce, "disputeId": str(self.dispute_id), "settlementId": str(settlement_id)}


@dataclass(frozen=True, kw_only=True)
class DisputeCloseFields:
    """A client closes its own dispute (it was not valid: the original transfers stand)."""

    dispute_id: uuid.UUID
    notes: str
    nonce: str

    def signed(self, *, enterprise_id: uuid.UUID) -> dict:
        """The reference's list: enterpriseId, disputeId, notes, nonce."""
        return {
            "enterpriseId": str(enterprise_id),
            "disputeId": str(self.dispute_id),
            "notes": self.notes,
            "nonce": self.nonce,
        }


@dataclass(frozen=True, kw_only=True)
class AdjustedAmounts:
    """What staff decide when they close a dispute: currency code → the amount the connection gets (negative:
    gives) in the partner's next settlement; empty: nothing moves."""

    amounts: dict[str, int] = field(default_factory=dict)


def _amounts(amounts: dict[str, int]) -> dict[str, str]:
    return {currency: format_amount(quantity) for currency, quantity in amounts.items()}
