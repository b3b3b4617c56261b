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
from organizations.services import nonce_check, nonce_use, signed_request_check
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


def _atomic_unless_one_statement(body, **request):
    """`body(**request)` in a transaction of its own, but on PostgreSQL outside a caller's transaction: there what a
    money operation writes is one statement (`allocation_record`, `allocation_complete`), atomic by itself, so BEGIN
    and COMMIT would be two more round trips for nothing. Inside a caller's transaction, a savepoint, so that a
    failed statement (a concurrent retry's clientExternalId) leaves the caller's transaction usable. On SQLite the
    Python posting writes several rows: one transaction."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return body(**request)
    with transaction.atomic():
        return body(**request)


@retry_on_conflict
def _request_create_once(**request) -> Allocation:
    return _atomic_unless_one_statement(_request_create_body, **request)


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
    return client_connection, currency, _keys(rows, key_columns, connection)


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
def _partner_update(**request) -> Allocation:
    return _atomic_unless_one_statement(_partner_update_body, **request)


def _partner_update_body(
    *, type_: str, enterprise: Organization, fields: PartnerUpdateFields, payload: str, signature: str
) -> Allocation:
    """A reserved one is cleared or released exactly once (`_complete` locks the row and finds it still reserved).
    Repeating the final status it already has answers the same once the request is checked as any update is
    (nothing moves, no nonce spent: a retry repeats its nonce); asking for the other final status, or updating one
    that never waited for the partner (cleared or released at once), raises AllocationAlreadyFinal (409). A request
    whose amount, client or connection differ from the record: AllocationMismatch (422)."""
    status = fields.status
    if status == AllocationStatus.RELEASED and not fields.reject_reason:
        raise ValidationFailed.single("reject_reason", "A release needs a reason.", "required")
    signed_fields = fields.signed(type_)
    while True:
        allocation, keys = _partner_context(type_=type_, enterprise=enterprise, allocation_id=fields.allocation_id)
        connection = allocation.connection
        if (
            allocation.currency.code != fields.currency
            or int(allocation.quantity) != fields.quantity
            or allocation.client_id != fields.client_id
            or allocation.connection_id != fields.connection_id
            or (connection.partners_client_id and connection.partners_client_id != fields.partners_client_id)
            or (
                connection.partners_connection_id and connection.partners_connection_id != fields.partners_connection_id
            )
        ):
            raise AllocationMismatch()
        # The same checks for every update (the nonce is spent only by one that completes: a retry repeats it).
        signed_request_check(
            organization=enterprise, payload=payload, signature=signature, signed_fields=signed_fields, keys=keys
        )
        if allocation.status != AllocationStatus.RESERVED:
            if allocation.completion_id is None:
                raise AllocationAlreadyFinal(
                    f"The {type_} was {allocation.status} at once: it never waited for the partner."
                )
            if allocation.status == status:
                return allocation
            raise AllocationAlreadyFinal(f"The {type_} is already {allocation.status}.")
        if _complete(allocation, fields, organization=enterprise):
            return allocation
        # A concurrent update completed it first, nothing written here: read it again and answer as a final one.


_ALLOCATION_COMPLETE_SQL = (
    "SELECT outcome, refused_line, refused_balance FROM allocation_complete("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::uuid[], %s::text[], %s::bigint[], %s::numeric[])"
)


def _complete(allocation: Allocation, fields: PartnerUpdateFields, *, organization: Organization) -> bool:
    """Clears or releases the reserved `allocation` as `fields` ask: the nonce spent (NonceReused), the completing
    posting, the allocation's status, reason, partner reference and completion, all or nothing. False, nothing
    written, when it is no longer reserved (a concurrent update won). On PostgreSQL one prepared call of the
    `allocation_complete` function (allocations/migrations/0007), which locks the row."""
    status = fields.status
    cleared = status == AllocationStatus.CLEARED
    kind = TransactionKind.CLEARING if cleared else TransactionKind.RELEASE
    lines = checked_lines(_completion_lines(allocation, status))
    memo = f"{allocation.type} {allocation.id} {status} by the partner"
    # The new state, on the instance only until written (a caller that gets False or an error reads it again).
    allocation.status = status
    allocation.reason, allocation.reason_code = ("", "") if cleared else (fields.reject_reason, "ReleasedByPartner")
    allocation.partner_external_id = fields.partners_allocation_id
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":  # one writer at a time: still reserved, as just read
        nonce_use(organization=organization, nonce=fields.nonce)
        allocation.completion = ledger_post(kind=kind, lines=lines, memo=memo)
        allocation.save(
            update_fields=["completion", "status", "reason", "reason_code", "partner_external_id", "updated_at"]
        )
        return True

    nonce_check(fields.nonce)
    posting = LedgerTransaction(id=uuid.uuid4(), kind=kind, memo=memo, created_at=timezone.now())
    params = [
        allocation.pk,
        organization.pk,
        fields.nonce,
        posting.created_at,
        status,
        allocation.reason,
        allocation.reason_code,
        allocation.partner_external_id,
        posting.id,
        kind,
        memo,
        *posting_lines_params(lines),
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_ALLOCATION_COMPLETE_SQL, params)
        outcome, refused_line, refused_balance = cursor.fetchone()
    if outcome == "NotReserved":
        return False
    if outcome == "NonceReused":
        raise NonceReused()
    if outcome != "completed":
        raise posting_refusal(lines, refused_line, refused_balance)
    allocation.completion = stored(posting, connection)
    allocation.updated_at = posting.created_at
    return True


_PARTNER_CONTEXT = (
    (Allocation, frozenset()),
    (Currency, frozenset()),
    (Connection, _CONNECTION_UNREAD),
)


@functools.cache
def _partner_context_sql() -> str:
    return (
        f"SELECT {columns(Allocation, 'a')}, {columns(Currency, 'cur')}, "  # noqa: S608 - names from the models
        f"{columns(Connection, 'c', _CONNECTION_UNREAD)}, {columns(SigningKey, 'k')} "
        f"FROM {Allocation._meta.db_table} a "
        f"JOIN {Partner._meta.db_table} p ON p.id = a.partner_id "
        f"JOIN {Currency._meta.db_table} cur ON cur.id = a.currency_id "
        f"JOIN {Connection._meta.db_table} c ON c.id = a.connection_id "
        f"LEFT JOIN {SigningKey._meta.db_table} k ON k.organization_id = p.enterprise_id AND k.active "
        "WHERE a.id = %s AND a.type = %s AND p.enterprise_id = %s "
        "ORDER BY k.created_at, k.id"
    )


def _partner_context(
    *, type_: str, enterprise: Organization, allocation_id: uuid.UUID
) -> tuple[Allocation, list[SigningKey]]:
    """The allocation of `type_` made to the enterprise as a partner (AllocationNotFound), with its currency and
    connection, and the enterprise's active signing keys: one prepared statement, a row per key."""
    connection = transaction.get_connection()
    params = [
        Allocation._meta.pk.get_db_prep_value(allocation_id, connection),
        type_,
        Organization._meta.pk.get_db_prep_value(enterprise.pk, connection),
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_partner_context_sql(), params)
        rows = cursor.fetchall()
    if not rows:
        raise AllocationNotFound()
    allocation, currency, client_connection, *key_columns = instances(rows[0], connection, *_PARTNER_CONTEXT)
    allocation.currency, allocation.connection = currency, client_connection
    return allocation, _keys(rows, key_columns, connection)


def _keys(rows: list, key_columns: list, connection) -> list[SigningKey]:
    """The signing keys of a context's rows (their last columns, `key_columns` of the first row): none when the
    first row's key id is NULL (no active key: the LEFT JOIN found none)."""
    if key_columns[0] is None:
        return []
    start = len(rows[0]) - len(key_columns)
    return [next(instances(row[start:], connection, *_KEY)) for row in rows]
