"""A partner's settlements: signed, idempotent by `externalId`, and completed by one ledger posting, once.

Accounts (allocations.models.AccountKind): a connection's HELD account (what the client allocated to the partner)
and the partner's PARTNER account. A transfer of `quantity` for a connection (positive: the client gains) moves

    from the partner:                  PARTNER  → HELD(connection)         (a loss moves the other way)
    from a counterparty connection:    HELD(counterparty) → HELD(connection)

v1 (`version=1`, partners without disputes): completed in the request; a loss the connection cannot cover, or a gain
the partner's account cannot pay, refuses the whole settlement (InsufficientFunds, 422, nothing written).
v2 (`version=2`): `pending` until `cutoff_at` + the partner's client dispute window + its top-up window; at creation
each connection's net loss per currency must be covered by what it holds (422 otherwise); then
`settlement_finalize` (settlements.services.finalization, run by a Celery worker) completes it.

Every new settlement takes in the closed disputes of the partner's earlier settlements that no settlement has taken
yet, and their adjusted transfers (the reference's step 3), whichever version it is.
"""

import datetime
import hashlib
import json
import uuid
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from allocations.errors import InsufficientFunds
from allocations.models import AccountKind, AccountRef, LedgerAccount
from allocations.services.ledger import retry_on_conflict
from config.errors import ValidationFailed
from organizations.errors import NonceReused
from organizations.models import Organization
from organizations.services import signed_request_accept
from organizations.signing import signing_payload
from partners.errors import PartnerNotFound
from partners.models import Connection, Currency, Partner
from partners.selectors import partner_find
from settlements.errors import DisputesEnabled, PartnerNotActive, SettlementIdConflict
from settlements.models import (
    Dispute,
    Settlement,
    SettlementStatus,
    SettlementTransfer,
    SettlementVersion,
    TransferStatus,
)
from settlements.payloads import SettlementFields
from settlements.services.finalization import (
    connection_names,
    settlement_complete,
    shortfall_message,
    transfer_lines,
)
from settlements.services.notifications import settlement_notices_create

# A cutoffAt may run this far ahead of the server's clock (clock skew), no further: a trade settled is in the past.
CUTOFF_CLOCK_SKEW = datetime.timedelta(minutes=5)


def settling_partner(*, enterprise: Organization) -> Partner:
    """The enterprise's partner record, or PartnerNotFound (404) when it is not a network partner."""
    partner = partner_find(enterprise=enterprise)
    if partner is None:
        raise PartnerNotFound("This enterprise is not a network partner.")
    return partner


def settlement_signing_payload(*, enterprise: Organization, fields: SettlementFields) -> str:
    """The exact string a settlement request signs, after the checks that need no signature (the connections are
    the partner's, the currencies exist)."""
    partner = settling_partner(enterprise=enterprise)
    _connections(partner, fields)
    _currencies(fields)
    return signing_payload(fields.signed())


def _request_hash(version: int, fields: dict) -> str:
    canonical = json.dumps({"version": version, **fields}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def settlement_create(
    *,
    enterprise: Organization,
    fields: SettlementFields,
    payload: str,
    signature: str,
    initiated_by: str,
    version: int,
) -> Settlement:
    """Creates (v1: and completes) a settlement; see the module docstring. The same `externalId` with the same body
    returns the original; with another body, SettlementIdConflict (409)."""
    partner = settling_partner(enterprise=enterprise)
    if version == SettlementVersion.V1 and partner.config.disputes_enabled:
        raise DisputesEnabled()
    if version == SettlementVersion.V2:
        if fields.cutoff_at is None:
            raise ValidationFailed.single("cutoff_at", "A v2 settlement needs cutoffAt.", "required")
        if fields.cutoff_at > timezone.now() + CUTOFF_CLOCK_SKEW:
            raise ValidationFailed.single("cutoff_at", "cutoffAt is the newest trade settled: not in the future.")
    request_hash = _request_hash(version, fields.signed())
    existing = _existing(partner, fields.external_id)
    if existing is not None:
        return _original(existing, request_hash)
    if not partner.active:
        raise PartnerNotActive()
    try:
        return _create_atomic(
            enterprise=enterprise,
            partner=partner,
            fields=fields,
            payload=payload,
            signature=signature,
            initiated_by=initiated_by,
            version=version,
            request_hash=request_hash,
        )
    except (NonceReused, IntegrityError):
        # A concurrent identical request committed first: answer from it, as a later retry would be.
        existing = _existing(partner, fields.external_id)
        if existing is None:
            raise
        return _original(existing, request_hash)


def _existing(partner: Partner, external_id: str) -> Settlement | None:
    return Settlement.objects.filter(partner=partner, external_id=external_id).first()


def _original(existing: Settlement, request_hash: str) -> Settlement:
    if existing.request_hash != request_hash:
        raise SettlementIdConflict()
    return existing


@retry_on_conflict
@transaction.atomic
def _create_atomic(
    *,
    enterprise: Organization,
    partner: Partner,
    fields: SettlementFields,
    payload: str,
    signature: str,
    initiated_by: str,
    version: int,
    request_hash: str,
) -> Settlement:
    connections = _connections(partner, fields)
    currencies = _currencies(fields)
    signed_request_accept(
        organization=enterprise, payload=payload, signature=signature, nonce=fields.nonce, signed_fields=fields.signed()
    )
    now = timezone.now()
    settlement = Settlement(
        id=uuid.uuid4(),
        partner=partner,
        external_id=fields.external_id,
        version=version,
        status=SettlementStatus.PENDING,
        notes=fields.notes,
        initiated_by=initiated_by[:255],
        nonce=fields.nonce,
        payload=payload,
        signature=signature,
        request_hash=request_hash,
        created_at=now,
    )
    if version == SettlementVersion.V2:
        settlement.cutoff_at = fields.cutoff_at
        settlement.dispute_deadline = fields.cutoff_at + datetime.timedelta(
            minutes=partner.client_dispute_window_minutes or 0
        )
        settlement.finalize_after = settlement.dispute_deadline + datetime.timedelta(
            minutes=partner.top_up_window_minutes or 0
        )
    settlement.save(force_insert=True)
    transfers = [
        SettlementTransfer(
            id=uuid.uuid4(),
            settlement=settlement,
            partner=partner,
            connection=connections[m.connection_id],
            client_id=connections[m.connection_id].client_id,
            counterparty_connection=connections.get(m.counterparty_id),
            counterparty_client_id=connections[m.counterparty_id].client_id if m.counterparty_id else None,
            currency=currencies[m.currency],
            quantity=m.quantity,
            status=TransferStatus.PENDING,
            created_at=now,
        )
        for m in fields.movements
    ]
    SettlementTransfer.objects.bulk_create(transfers)
    transfers += _take_in_closed_disputes(settlement)
    if version == SettlementVersion.V1:
        settlement_complete(settlement, transfers, strict=True)
    else:
        _check_liabilities(transfers)
    settlement_notices_create(settlement=settlement, transfers=transfers)
    return settlement


def _connections(partner: Partner, fields: SettlementFields) -> dict[uuid.UUID, Connection]:
    """The connections the request names, all to `partner` (one query). Any other id, whether it exists or not,
    is refused the same way: 400 naming it."""
    ids = {m.connection_id for m in fields.movements} | {
        m.counterparty_id for m in fields.movements if m.counterparty_id
    }
    connections = {
        c.pk: c
        for c in Connection.objects.select_related("client__enterprise")
        .defer("connection_key", "payload")
        .filter(pk__in=ids, partner=partner)
    }
    unknown = sorted(str(i) for i in ids - connections.keys())
    if unknown:
        raise ValidationFailed.single(
            ("settlement_amounts", unknown[0]), "Not a connection to this partner.", "unknown_connection"
        )
    return connections


def _currencies(fields: SettlementFields) -> dict[str, Currency]:
    codes = {m.currency for m in fields.movements}
    currencies = {c.code: c for c in Currency.objects.filter(code__in=codes)}
    unknown = sorted(codes - currencies.keys())
    if unknown:
        raise ValidationFailed.single("settlement_amounts", f"Unknown currency {unknown[0]!r}.", "unknown_currency")
    return currencies


def _take_in_closed_disputes(settlement: Settlement) -> list[SettlementTransfer]:
    """The reference's step 3: the partner's closed disputes no settlement has taken yet are assigned to this one,
    and their adjusted transfers join it. The disputes are locked, so two concurrent settlements cannot both take
    one (the second finds it taken)."""
    dispute_ids = list(
        Dispute.objects.select_for_update()
        .filter(partner=settlement.partner, closure__isnull=False, settled_in_settlement__isnull=True)
        .values_list("pk", flat=True)
    )
    if not dispute_ids:
        return []
    Dispute.objects.filter(pk__in=dispute_ids).update(settled_in_settlement=settlement, updated_at=timezone.now())
    adjusted = SettlementTransfer.objects.filter(
        dispute_closure__dispute__in=dispute_ids, status=TransferStatus.PENDING_SETTLEMENT_ASSIGNMENT
    )
    adjusted.update(settlement=settlement, status=TransferStatus.PENDING, updated_at=timezone.now())
    return list(
        SettlementTransfer.objects.select_related("connection", "counterparty_connection", "currency").filter(
            settlement=settlement, dispute_closure__isnull=False
        )
    )


def _check_liabilities(transfers: list[SettlementTransfer]) -> None:
    """v2 at creation (the reference's step 4): each connection's net loss per currency must be covered by what it
    holds now. It is checked again, under locks, at finalization."""
    deltas: dict[AccountRef, int] = defaultdict(int)
    for transfer in transfers:
        for ref, amount in transfer_lines(transfer):
            if ref.kind == AccountKind.HELD:
                deltas[ref] += amount
    losses = {ref: -delta for ref, delta in deltas.items() if delta < 0}
    if not losses:
        return
    held = {
        (account.owner_id, account.currency_id): int(account.balance)
        for account in LedgerAccount.objects.filter(
            owner_id__in={ref.owner_id for ref in losses}, kind=AccountKind.HELD
        )
    }
    for ref, loss in sorted(losses.items(), key=lambda item: (str(item[0].owner_id), item[0].currency.code)):
        balance = held.get((ref.owner_id, ref.currency.pk), 0)
        if balance < loss:
            raise InsufficientFunds(shortfall_message(ref, balance, loss, connection_names(transfers)))
