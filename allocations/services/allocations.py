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

import functools
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

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
from allocations.models import (
    AccountKind,
    AccountRef,
    Allocation,
    AllocationStatus,
    AllocationType,
    LedgerTransaction,
    TransactionKind,
)
from allocations.payloads import AllocationFields, PartnerUpdateFields
from allocations.services.ledger import (
    checked_lines,
    ledger_post,
    posting_lines_params,
    posting_refusal,
    retry_on_conflict,
    stored,
    transfer,
)
from config.db import columns, instances, prepared_cursor
from config.errors import DomainError, ValidationFailed
from organizations.errors import NonceReused
from organizations.models import Organization, SigningKey
from organizations.services import nonce_check, nonce_use, signed_request_accept, signed_request_check
from organizations.signing import signing_payload
from partners.errors import PartnerInactive
from partners.models import Connection, Currency, NetworkClient, Partner, PartnerConfig

RESERVED_REASON = "Awaiting the partner's confirmation."


# --- the signed requests ---------------------------------------------------------------------------------------


def allocation_signing_payload(*, enterprise: Organization, fields: AllocationFields) -> str:
    """The exact string to sign for an allocation or deallocation through the enterprise's connection, after the
    checks that need no signature (the connection is the enterprise's, the currency exists)."""
    _request_context(enterprise=enterprise, connection_id=fields.connection_id, code=fields.currency)
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
        return _request_create_once(
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
def _request_create_once(**request) -> Allocation:
    """One attempt. On PostgreSQL, outside a caller's transaction, no transaction of its own: what it writes is one
    statement (`_record`), atomic by itself, so BEGIN and COMMIT would be two more round trips for nothing. Inside a
    caller's transaction, a savepoint, so that a failed insert (a concurrent retry's clientExternalId) leaves the
    caller's transaction usable. On SQLite the Python posting writes several rows: one transaction."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _request_create_body(**request)
    with transaction.atomic():
        return _request_create_body(**request)


def _request_create_body(
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
    connection, currency, keys = _request_context(
        enterprise=enterprise, connection_id=fields.connection_id, code=fields.currency
    )
    # A retry (same clientExternalId, so the same nonce if the same body) fails on the nonce (`_record`), or on the
    # clientExternalId's unique index at the insert: _request_create answers both from the original.
    signed_request_check(
        organization=enterprise, payload=payload, signature=signature, signed_fields=signed_fields, keys=keys
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
    if refusal is not None:
        _record(_released(allocation, refusal), organization=enterprise, posting_kind=None)
        return allocation
    asynchronous = connection.partner.config.async_allocations_enabled
    allocation.status = AllocationStatus.RESERVED if asynchronous else AllocationStatus.CLEARED
    allocation.reason = RESERVED_REASON if asynchronous else ""
    refusal = _record(allocation, organization=enterprise, posting_kind=_first_posting_kind(type_, asynchronous))
    if refusal is not None:  # the posting was refused, nothing written: record the refusal (and spend the nonce)
        _record(_released(allocation, refusal), organization=enterprise, posting_kind=None)
    return allocation


def _released(allocation: Allocation, refusal: DomainError) -> Allocation:
    allocation.status = AllocationStatus.RELEASED
    allocation.reason, allocation.reason_code = refusal.message, refusal.code
    return allocation


_ALLOCATION_RECORD_SQL = (
    "SELECT outcome, refused_line, refused_balance FROM allocation_record("
    "%s::jsonb, %s, %s, %s, %s, %s, %s, %s::uuid[], %s::text[], %s::bigint[], %s::numeric[])"
)


def _record(allocation: Allocation, *, organization: Organization, posting_kind: str | None) -> DomainError | None:
    """Spends the request's nonce (NonceReused), makes the allocation's first posting unless `posting_kind` is None
    (a rule refused it: nothing moves) and inserts the allocation with it, all or nothing. On PostgreSQL one call of
    the `allocation_record` function (allocations/migrations/0006), a prepared statement. Returns the posting's
    InsufficientFunds instead of raising it, with nothing written (the nonce not spent either): the caller records
    the refusal with another `_record`."""
    connection = transaction.get_connection()
    lines = checked_lines(_first_posting_lines(allocation)) if posting_kind is not None else []
    memo = f"{allocation.type} {allocation.id}"
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic():
                nonce_use(organization=organization, nonce=allocation.nonce)
                if posting_kind is not None:
                    allocation.posting = ledger_post(kind=posting_kind, lines=lines, memo=memo)
                allocation.save(force_insert=True)
        except InsufficientFunds as exc:
            allocation.posting = None
            return exc
        return None

    nonce_check(allocation.nonce)
    posting = None
    if posting_kind is not None:
        posting = LedgerTransaction(id=uuid.uuid4(), kind=posting_kind, memo=memo, created_at=timezone.now())
    with prepared_cursor(connection) as cursor:
        params = [
            _row(allocation, connection),
            organization.pk,
            allocation.nonce,
            allocation.created_at,
            posting.id if posting else None,
            posting_kind,
            memo,
            *posting_lines_params(lines),
        ]
        cursor.execute(_ALLOCATION_RECORD_SQL, params)
        outcome, refused_line, refused_balance = cursor.fetchone()
    if outcome == "NonceReused":
        raise NonceReused()
    if outcome != "recorded":
        refusal = posting_refusal(lines, refused_line, refused_balance)
        if isinstance(refusal, InsufficientFunds):
            return refusal
        raise refusal
    if posting is not None:
        allocation.posting = stored(posting, connection)
    stored(allocation, connection)
    return None


def _row(instance, connection) -> str:
    """`instance`'s row as a JSON object of column values, for `jsonb_populate_record` (what `save()` would insert,
    `auto_now` and defaults included)."""
    row = {}
    for field in instance._meta.concrete_fields:
        value = field.pre_save(instance, add=True)
        row[field.column] = field.get_db_prep_save(value, connection)
    return json.dumps(row, default=str)


def _original(existing: Allocation, request_hash: str) -> Allocation:
    if existing.request_hash != request_hash:
        raise AllocationIdConflict()
    return existing


_CONNECTION_UNREAD = frozenset({"connection_key", "payload"})  # encrypted, and not needed here: no decryption
_CONTEXT = (
    (Connection, _CONNECTION_UNREAD),
    (Partner, frozenset()),
    (PartnerConfig, frozenset()),
    (Currency, frozenset()),
)
_KEY = ((SigningKey, frozenset()),)


@functools.cache
def _context_sql() -> str:
    supported = PartnerConfig.supported_currencies.through._meta.db_table
    return (
        f"SELECT {columns(Connection, 'c', _CONNECTION_UNREAD)}, {columns(Partner, 'p')}, "  # noqa: S608 - no input
        f"{columns(PartnerConfig, 'pc')}, {columns(Currency, 'cur')}, EXISTS ("
        f"SELECT 1 FROM {supported} s WHERE s.partnerconfig_id = pc.id AND s.currency_id = cur.id), "
        f"{columns(SigningKey, 'k')} "
        f"FROM {Connection._meta.db_table} c "
        f"JOIN {NetworkClient._meta.db_table} nc ON nc.id = c.client_id "
        f"JOIN {Partner._meta.db_table} p ON p.id = c.partner_id "
        f"JOIN {PartnerConfig._meta.db_table} pc ON pc.id = p.config_id "
        f"LEFT JOIN {Currency._meta.db_table} cur ON cur.code = %s "
        f"LEFT JOIN {SigningKey._meta.db_table} k ON k.organization_id = nc.enterprise_id AND k.active "
        "WHERE c.id = %s AND nc.enterprise_id = %s "
        "ORDER BY k.created_at, k.id"
    )


def _request_context(
    *, enterprise: Organization, connection_id: uuid.UUID, code: str
) -> tuple[Connection, Currency, list[SigningKey]]:
    """The enterprise's connection (ConnectionNotFound) with its partner and the partner's config, the currency of
    `code` (ValidationFailed when unknown) annotated `supported` by that partner, and the enterprise's active signing
    keys (as `signing_keys_active`): one prepared statement (config.db), a row per key."""
    connection = transaction.get_connection()
    ids = [Connection._meta.pk.get_db_prep_value(pk, connection) for pk in (connection_id, enterprise.pk)]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_context_sql(), [code, *ids])
        rows = cursor.fetchall()
    if not rows:
        raise ConnectionNotFound()
    client_connection, partner, config, currency, supported, *key_columns = instances(rows[0], connection, *_CONTEXT)
    if currency.pk is None:
        raise ValidationFailed.single(("amount", "currency"), f"Unknown currency {code!r}.", "invalid")
    partner.config = config
    client_connection.partner = partner
    currency.supported = supported
    keys = []
    if key_columns[0] is not None:  # the key's id: NULL when the enterprise has no active key
        start = len(rows[0]) - len(key_columns)
        keys = [next(instances(row[start:], connection, *_KEY)) for row in rows]
    return client_connection, currency, keys


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


def _first_posting_lines(allocation: Allocation):
    asynchronous = allocation.status == AllocationStatus.RESERVED
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
