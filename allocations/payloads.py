"""The signed requests of allocations: what each asks for, as one frozen value built once at the edge (the API's
input serializer, the page's form) and passed to the services, and the exact fields it signs.

The signed fields are a wire contract of their own: the reference SDK signs these camelCase keys, so they are
spelled here, once, and nowhere else in the domain (organizations.signing.signing_payload encodes them).
"""

import uuid
from dataclasses import dataclass

from allocations.models import AllocationType
from partners.amounts import format_amount


@dataclass(frozen=True, kw_only=True)
class AllocationFields:
    """What a client's allocation or deallocation request asks for through one of its connections."""

    connection_id: uuid.UUID
    currency: str
    quantity: int  # base units
    client_external_id: str
    nonce: str
    notes: str = ""

    def signed(self) -> dict:
        """The fields the request signs, laid out as the reference SDK's `prepareAllocation` does (`notes` only when
        given). The check compares parsed JSON, so any key order verifies."""
        fields: dict = {
            "connectionId": str(self.connection_id),
            "amount": {"currency": self.currency, "quantity": format_amount(self.quantity)},
        }
        if self.notes:
            fields["notes"] = self.notes
        return fields | {"clientExternalId": self.client_external_id, "nonce": self.nonce}


@dataclass(frozen=True, kw_only=True)
class PartnerUpdateFields:
    """A partner's answer to a reserved allocation or deallocation: the record it describes (amount, client,
    connection, the partner's own ids) and the final `status` it asks for (`reject_reason` to release)."""

    allocation_id: uuid.UUID
    currency: str
    quantity: int  # base units
    client_id: uuid.UUID
    connection_id: uuid.UUID
    partners_client_id: str
    partners_connection_id: str
    partners_allocation_id: str
    status: str
    nonce: str
    reject_reason: str = ""

    def signed(self, type_: str) -> dict:
        """The fields the update signs: the request body without `payload` and `signature`, in the reference's
        names (`allocationId`/`partnersAllocationId`, or `deallocationId`/`partnersDeallocationId` by `type_`)."""
        name = "allocation" if type_ == AllocationType.ALLOCATION else "deallocation"
        fields = {
            f"{name}Id": str(self.allocation_id),
            "amount": {"currency": self.currency, "quantity": format_amount(self.quantity)},
            "clientId": str(self.client_id),
            "connectionId": str(self.connection_id),
            "partnersClientId": self.partners_client_id,
            "partnersConnectionId": self.partners_connection_id,
            f"partners{name.capitalize()}Id": self.partners_allocation_id,
            "status": self.status,
            "nonce": self.nonce,
        }
        if self.reject_reason:
            fields["rejectReason"] = self.reject_reason
        return fields
