"""Allocations and deallocations: a client's signed request to move funds to or from a connection, and a partner's
confirmation or refusal of a reserved one. Every movement is one ledger posting (allocations.services.ledger).

Accounts (allocations.models.AccountKind): the client's AVAILABLE account (owner: its network client), and per
connection a HELD and a RESERVED account (owner: the connection's network account id).

    allocation,   synchronous partner:   available → held                       cleared
    allocation,   asynchronous partner:  available → reserved                   reserved
        partner clears:                  reserved → held                        cleared
        partner releases:                reserved → available                   released
    deallocation, synchronous partner:   held → available                       cleared
    deallocation, asynchronous partner:  held → reserved                        reserved
        partner clears:                  reserved → available                   cleared
        partner releases:                reserved → held                        released

A request a business rule refuses (insufficient funds, a currency the partner does not support, an inactive
connection or partner: the last three for allocations only, so funds can always be taken back) is stored `released`
with the reason, nothing moved; the API answers it 422 with the allocation.

What a request asks for is one frozen value built once at the edge (the API's input serializer, the page's form)
and passed through: `AllocationFields` for a client's request, `PartnerUpdateFields` for a partner's answer
(allocations.payloads: each knows the fields it signs, in the reference's names).
"""

import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from allocations.errors import (
    AllocationAlreadyFinal,
    AllocationIdConflict,
    AllocationMismatch,
    AllocationNotFound,
    ConnectionInactive,
    ConnectionNotFound,
    CurrencyNotSupported,
    InsufficientFunds,
)
from allocations.models import AccountKind, AccountRef, Allocation, AllocationStatus, AllocationType, TransactionKind
from allocations.payloads import AllocationFields, PartnerUpdateFields
from allocations.services.ledger import ledger_post, retry_on_conflict, transfer
from config.errors import DomainError, ValidationFailed
from organizations.errors import NonceReused
from organizations.models import Organization
from organizations.services import signed_request_accept, signed_request_check
from organizations.signing import signing_payload
from partners.errors import PartnerInactive
from partners.models import Connection, Currency, PartnerConfig

RESERVED_REASON = "Awaiting the partner's confirmation."


# --- the signed requests ---------------------------------------------------------------------------------------


def allocation_signing_payload(*, enterprise: Organization, fields: AllocationFields) -> str:
    """The exact string to sign for an allocation or deallocation through the enterprise's connection, after the
    checks that need no signature (the connection is the enterprise's, the currency exists)."""
    _client_connection(enterprise=enterprise, connection_id=fields.connection_id)
    _currency(fields.currency)
    return signing_payload(fields.signed())


def _request_hash(type_: str, fields: dict) -> str:
    canonical = json.dumps({"type": type_, **fields}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- client requests --------------------------------------------------------------------------------------------


def allocation_create(
    *, enterprise: Organization, fields: AllocationFields, payload: str, signature: str, initiated_by: str
) -> Allocation:
    """Allocates funds to a connection (signed request); see the module docstring for the outcomes."""
    return _request_create(AllocationType.ALLOCATION, enterprise, fields, payload, signature, initiated_by)


def deallocation_create(
    *, enterprise: Organization, fields: AllocationFields, payload: str, signature: str, initiated_by: str
) -> Allocation:
    """Takes funds back from a connection (signed request); allowed on inactive connections."""
    return _request_create(AllocationType.DEALLOCATION, enterprise, fields, payload, signature, initiated_by)


def _request_create(
    type_: str, enterprise: Organization, fields: AllocationFields, payload: str, signature: str, initiated_by: str
) -> Allocation:
    """`allocation_create` / `deallocation_create` by `type_`. Idempotent by `client_external_id`: the same request
    again returns the original (no second movement), another request with the same id raises AllocationIdConflict.
    A bad signature, payload or a used nonce: 400, nothing stored."""
    signed_fields = fields.signed()
    request_hash = _request_hash(type_, signed_fields)
    try:
        return _request_create_atomic(
            type_=type_,
            enterprise=enterprise,
            fields=fields,
            signed_fields=signed_fields,
            request_hash=request_hash,
            payload=payload,
            signature=signature,
            initiated_by=initiated_by,
        )
    except (NonceReused, IntegrityError):
        # A concurrent identical retry committed first (its nonce or its clientExternalId won the unique index):
        # answer from it, as a later retry would be.
        existing = (
            Allocation.objects.select_related("currency")
            .filter(client__enterprise=enterprise, client_external_id=fields.client_external_id)
            .first()
        )
        if existing is None:
            raise
        return _original(existing, request_hash)


@retry_on_conflict
@transaction.atomic
def _request_create_atomic(
    *,
    type_: str,
    enterprise: Organization,
    fields: AllocationFields,
    signed_fields: dict,
    request_hash: str,
    payload: str,
    signature: str,
    initiated_by: str,
) -> Allocation:
    connection = _client_connection(enterprise=enterprise, connection_id=fields.connection_id)
    currency = _currency(fields.currency, partner_config=connection.partner.config)
    # A retry (same clientExternalId, so the same nonce if the same body) fails on the nonce here, or on the
    # clientExternalId's unique index at the insert: _request_create answers both from the original.
    signed_request_accept(
        organization=enterprise, payload=payload, signature=signature, nonce=fields.nonce, signed_fields=signed_fields
    )

    allocation = Allocation(
        id=uuid.uuid4(),
        type=type_,
        connection=connection,
        client_id=connection.client_id,
        partner=connection.partner,
        currency=currency,
        quantity=fields.quantity,
        client_external_id=fields.client_external_id,
        initiated_by=initiated_by[:255],
        notes=fields.notes,
        nonce=fields.nonce,
        payload=payload,
        signature=signature,
        request_hash=request_hash,
    )
    refusal = _refusal(type_=type_, connection=connection, currency=currency)
    asynchronous = connection.partner.config.async_allocations_enabled
    if refusal is None:
        try:  # refused before anything is written: the transaction goes on to record the refusal
            allocation.posting = ledger_post(
                kind=_first_posting_kind(type_, asynchronous),
                lines=_first_posting_lines(allocation, asynchronous),
                memo=f"{type_} {allocation.id}",
            )
        except InsufficientFunds as exc:
            refusal = exc
    if refusal is not None:
        allocation.status = AllocationStatus.RELEASED
        allocation.reason, allocation.reason_code = refusal.message, refusal.code
    elif asynchronous:
        allocation.status, allocation.reason = AllocationStatus.RESERVED, RESERVED_REASON
    else:
        allocation.status = AllocationStatus.CLEARED
    allocation.save(force_insert=True)
    return allocation


def _original(existing: Allocation, request_hash: str) -> Allocation:
    if existing.request_hash != request_hash:
        raise AllocationIdConflict()
    return existing


def _client_connection(*, enterprise: Organization, connection_id: uuid.UUID) -> Connection:
    connection = (
        Connection.objects.select_related("partner__config")
        .defer("connection_key", "payload")  # encrypted, and not needed here: no decryption per request
        .filter(pk=connection_id, client__enterprise=enterprise)
        .first()
    )
    if connection is None:
        raise ConnectionNotFound()
    return connection


def _currency(code: str, *, partner_config=None) -> Currency:
    """The currency of `code`; with `partner_config`, annotated `supported` by that partner (the same query)."""
    currencies = Currency.objects.filter(code=code)
    if partner_config is not None:
        supported = PartnerConfig.supported_currencies.through.objects.filter(
            partnerconfig_id=partner_config.pk, currency_id=OuterRef("pk")
        )
        currencies = currencies.annotate(supported=Exists(supported))
    currency = currencies.first()
    if currency is None:
        raise ValidationFailed.single(("amount", "currency"), f"Unknown currency {code!r}.", "invalid")
    return currency


def _refusal(*, type_: str, connection: Connection, currency: Currency) -> DomainError | None:
    """The business rule that refuses the request before any money moves, if one does. `currency` is annotated
    `supported` (`_currency`)."""
    if type_ != AllocationType.ALLOCATION:
        return None
    if not connection.active:
        return ConnectionInactive()
    if not connection.partner.active:
        return PartnerInactive("The partner is not active: it accepts no new allocations.")
    if not currency.supported:
        return CurrencyNotSupported(f"The partner does not support {currency.code}.")
    return None


def _accounts(allocation: Allocation) -> tuple[AccountRef, AccountRef, AccountRef]:
    currency, account = allocation.currency, allocation.connection.network_account_id
    return (
        AccountRef(allocation.client_id, AccountKind.AVAILABLE, currency),
        AccountRef(account, AccountKind.HELD, currency),
        AccountRef(account, AccountKind.RESERVED, currency),
    )


def _first_posting_kind(type_: str, asynchronous: bool) -> str:
    if asynchronous:
        return TransactionKind.RESERVATION
    return TransactionKind.ALLOCATION if type_ == AllocationType.ALLOCATION else TransactionKind.DEALLOCATION


def _first_posting_lines(allocation: Allocation, asynchronous: bool):
    available, held, reserved = _accounts(allocation)
    amount = int(allocation.quantity)
    if allocation.type == AllocationType.ALLOCATION:
        return transfer(source=available, destination=reserved if asynchronous else held, amount=amount)
    return transfer(source=held, destination=reserved if asynchronous else available, amount=amount)


def _completion_lines(allocation: Allocation, status: str):
    available, held, reserved = _accounts(allocation)
    amount = int(allocation.quantity)
    moves_on = status == AllocationStatus.CLEARED
    if allocation.type == AllocationType.ALLOCATION:
        return transfer(source=reserved, destination=held if moves_on else available, amount=amount)
    return transfer(source=reserved, destination=available if moves_on else held, amount=amount)


# --- partner confirmations --------------------------------------------------------------------------------------


def allocation_partner_update(
    *, enterprise: Organization, fields: PartnerUpdateFields, payload: str, signature: str
) -> Allocation:
    """The partner clears or releases a reserved allocation (signed by the partner's enterprise)."""
    return _partner_update(
        type_=AllocationType.ALLOCATION, enterprise=enterprise, fields=fields, payload=payload, signature=signature
    )


def deallocation_partner_update(
    *, enterprise: Organization, fields: PartnerUpdateFields, payload: str, signature: str
) -> Allocation:
    """The partner clears or releases a reserved deallocation (signed by the partner's enterprise)."""
    return _partner_update(
        type_=AllocationType.DEALLOCATION, enterprise=enterprise, fields=fields, payload=payload, signature=signature
    )


@retry_on_conflict
@transaction.atomic
def _partner_update(
    *, type_: str, enterprise: Organization, fields: PartnerUpdateFields, payload: str, signature: str
) -> Allocation:
    """A reserved one is cleared or released exactly once: the row is locked, so concurrent updates queue. Repeating
    the final status it already has answers the same once the request is checked as any update is (nothing moves,
    no nonce spent: a retry repeats its nonce); asking for the other final status, or updating one that never waited
    for the partner (cleared or released at once), raises AllocationAlreadyFinal (409). A request whose amount,
    client or connection differ from the record: AllocationMismatch (422)."""
    status = fields.status
    if status == AllocationStatus.RELEASED and not fields.reject_reason:
        raise ValidationFailed.single("reject_reason", "A release needs a reason.", "required")
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("currency", "connection")
        .filter(pk=fields.allocation_id, type=type_, partner__enterprise=enterprise)
        .first()
    )
    if allocation is None:
        raise AllocationNotFound()
    connection = allocation.connection
    if (
        allocation.currency.code != fields.currency
        or int(allocation.quantity) != fields.quantity
        or allocation.client_id != fields.client_id
        or allocation.connection_id != fields.connection_id
        or (connection.partners_client_id and connection.partners_client_id != fields.partners_client_id)
        or (connection.partners_connection_id and connection.partners_connection_id != fields.partners_connection_id)
    ):
        raise AllocationMismatch()
    if allocation.status != AllocationStatus.RESERVED:
        # The same checks as any update (the nonce aside: a retry repeats it), then the answer of a final one.
        signed_request_check(
            organization=enterprise, payload=payload, signature=signature, signed_fields=fields.signed(type_)
        )
        if allocation.completion_id is None:
            raise AllocationAlreadyFinal(
                f"The {type_} was {allocation.status} at once: it never waited for the partner."
            )
        if allocation.status == status:
            return allocation
        raise AllocationAlreadyFinal(f"The {type_} is already {allocation.status}.")
    signed_request_accept(
        organization=enterprise,
        payload=payload,
        signature=signature,
        nonce=fields.nonce,
        signed_fields=fields.signed(type_),
    )
    cleared = status == AllocationStatus.CLEARED
    allocation.completion = ledger_post(
        kind=TransactionKind.CLEARING if cleared else TransactionKind.RELEASE,
        lines=_completion_lines(allocation, status),
        memo=f"{type_} {allocation.id} {status} by the partner",
    )
    allocation.status = status
    allocation.reason = "" if cleared else fields.reject_reason
    allocation.reason_code = "" if cleared else "ReleasedByPartner"
    allocation.partner_external_id = fields.partners_allocation_id
    allocation.save(
        update_fields=["completion", "status", "reason", "reason_code", "partner_external_id", "updated_at"]
    )
    return allocation
