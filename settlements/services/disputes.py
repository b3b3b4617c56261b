"""Disputes: a client objects to a pending settlement's transfers on one of its connections, within the partner's
client dispute window (from the settlement's `cutoffAt`), with a signed request.

- An open dispute (retracted or not: a retracted one can be un-retracted) is one per settlement and connection
  (DisputeExists, 409; a partial unique index keeps it so under races).
- At finalization, the transfers of a connection whose dispute was not retracted, or was closed, are held back
  (`disputed`).
- A closure ends the dispute. By the client (`dispute_close`, signed: its dispute was not valid), the original
  transfers of that connection are re-issued; by staff (`dispute_close_by_staff`, from the admin), the amounts staff
  decide. Either way they wait (`pending_settlement_assignment`) for the partner's next settlement, which takes them
  in (settlements.services.settlements). So what a disputed connection gets always moves once: its original transfers
  never complete, and what the closure decides moves in the next settlement.

Each service locks the settlement's row first, as finalization does: a dispute racing the finalization of its
settlement either lands before it (and holds the transfers back) or finds the settlement final (SettlementFinal).
"""

import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from allocations.services.ledger import retry_on_conflict
from config.errors import ValidationFailed
from organizations.models import Organization
from organizations.services import signed_request_accept
from partners.models import Currency
from partners.selectors import network_client_find
from settlements.errors import (
    DisputeClosed,
    DisputeExists,
    DisputeMismatch,
    DisputeNotFound,
    DisputeWindowClosed,
    SettlementFinal,
    SettlementNotFound,
)
from settlements.models import (
    ClosedBy,
    ClosureStatus,
    Dispute,
    DisputeClosure,
    Settlement,
    SettlementStatus,
    SettlementTransfer,
    TransferStatus,
)
from settlements.payloads import DisputeCloseFields, DisputeFields, DisputeUpdateFields


def _client_dispute_query(enterprise: Organization):
    client = network_client_find(enterprise=enterprise)
    if client is None:
        raise DisputeNotFound()
    return Dispute.objects.filter(client=client)


def _locked_settlement(settlement_id: uuid.UUID) -> Settlement:
    settlement = (
        Settlement.objects.select_for_update(of=("self",)).select_related("partner").filter(pk=settlement_id).first()
    )
    if settlement is None:
        raise SettlementNotFound()
    return settlement


def _check_open_for_disputes(settlement: Settlement) -> None:
    if settlement.status != SettlementStatus.PENDING:
        raise SettlementFinal()
    if settlement.dispute_deadline is None or timezone.now() >= settlement.dispute_deadline:
        raise DisputeWindowClosed()


def _check_currencies(expected: dict[str, int] | None) -> None:
    if not expected:
        return
    known = set(Currency.objects.filter(code__in=list(expected)).values_list("code", flat=True))
    unknown = sorted(set(expected) - known)
    if unknown:
        raise ValidationFailed.single(("expected_transfers", unknown[0]), f"Unknown currency {unknown[0]!r}.")


@retry_on_conflict
@transaction.atomic
def dispute_create(
    *, enterprise: Organization, fields: DisputeFields, payload: str, signature: str, user_label: str
) -> Dispute:
    """Disputes the settlement's transfers on one of the enterprise's connections (signed by the enterprise).
    SettlementNotFound (404) unless the connection is the enterprise's and the settlement moves something on it."""
    client = network_client_find(enterprise=enterprise)
    involved = (
        client is not None
        and SettlementTransfer.objects.filter(settlement_id=fields.settlement_id)
        .filter(
            Q(client=client, connection_id=fields.connection_id)
            | Q(counterparty_client=client, counterparty_connection_id=fields.connection_id)
        )
        .exists()
    )
    if not involved:
        raise SettlementNotFound()
    settlement = _locked_settlement(fields.settlement_id)
    _check_open_for_disputes(settlement)
    _check_currencies(fields.expected_transfers)
    if Dispute.objects.filter(settlement=settlement, connection_id=fields.connection_id, closure__isnull=True).exists():
        raise DisputeExists()
    signed_request_accept(
        organization=enterprise, payload=payload, signature=signature, nonce=fields.nonce, signed_fields=fields.signed()
    )
    dispute = Dispute.objects.create(
        settlement=settlement,
        connection_id=fields.connection_id,
        partner_id=settlement.partner_id,
        client=client,
        user_label=user_label[:255],
        reason=fields.reason,
        expected_transfers={code: str(quantity) for code, quantity in fields.expected_transfers.items()},
        nonce=fields.nonce,
        payload=payload,
        signature=signature,
    )
    if not settlement.disputed:
        settlement.disputed = True
        settlement.save(update_fields=["disputed", "updated_at"])
    return dispute


def _locked_client_dispute(enterprise: Organization, dispute_id: uuid.UUID) -> tuple[Dispute, Settlement]:
    """The enterprise's dispute and its settlement, the settlement's row locked first (the order finalization
    takes), then the dispute's."""
    settlement_id = _client_dispute_query(enterprise).filter(pk=dispute_id).values_list("settlement_id", flat=True)
    settlement_id = settlement_id.first()
    if settlement_id is None:
        raise DisputeNotFound()
    settlement = _locked_settlement(settlement_id)
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("closure").get(pk=dispute_id)
    return dispute, settlement


@retry_on_conflict
@transaction.atomic
def dispute_update(
    *, enterprise: Organization, fields: DisputeUpdateFields, payload: str, signature: str, user_label: str
) -> Dispute:
    """Retracts (the transfers will complete) or un-retracts (they will be held back) the enterprise's open dispute,
    within the dispute window; `expected_transfers` replaces the dispute's when given."""
    dispute, settlement = _locked_client_dispute(enterprise, fields.dispute_id)
    if dispute.closure_id is not None:
        raise DisputeClosed()
    if dispute.connection_id != fields.connection_id:
        raise DisputeMismatch()
    _check_open_for_disputes(settlement)
    _check_currencies(fields.expected_transfers)
    signed_request_accept(
        organization=enterprise,
        payload=payload,
        signature=signature,
        nonce=fields.nonce,
        signed_fields=fields.signed(settlement_id=settlement.pk),
    )
    if fields.retracted:
        dispute.retracted = True
        dispute.retracted_by, dispute.retracted_at = user_label[:255], timezone.now()
        dispute.retracted_reason = fields.reason
    else:
        dispute.retracted = False
        dispute.retracted_by, dispute.retracted_at, dispute.retracted_reason = "", None, ""
        if fields.reason:
            dispute.reason = fields.reason
    if fields.expected_transfers is not None:
        dispute.expected_transfers = {code: str(q) for code, q in fields.expected_transfers.items()}
    dispute.save()
    return dispute


@retry_on_conflict
@transaction.atomic
def dispute_close(
    *, enterprise: Organization, fields: DisputeCloseFields, payload: str, signature: str, user, user_label: str
) -> DisputeClosure:
    """The client closes its own dispute (signed): it was not valid, so the connection's original transfers are
    re-issued for the partner's next settlement. DisputeClosed (409) when it is closed already."""
    dispute, settlement = _locked_client_dispute(enterprise, fields.dispute_id)
    if dispute.closure_id is not None:
        raise DisputeClosed()
    signed_request_accept(
        organization=enterprise,
        payload=payload,
        signature=signature,
        nonce=fields.nonce,
        signed_fields=fields.signed(enterprise_id=enterprise.pk),
    )
    originals = list(
        SettlementTransfer.objects.select_related("currency")
        .filter(settlement=settlement, status__in=[TransferStatus.PENDING, TransferStatus.DISPUTED])
        .filter(Q(connection_id=dispute.connection_id) | Q(counterparty_connection_id=dispute.connection_id))
        .order_by("created_at", "id")
    )
    closure = _close(
        dispute,
        closed_by=ClosedBy.CLIENT,
        user=user,
        user_label=user_label,
        notes=fields.notes,
        payload=payload,
        signature=signature,
        reissued=originals,
    )
    return closure


@retry_on_conflict
@transaction.atomic
def dispute_close_by_staff(*, dispute_id: uuid.UUID, adjusted: dict[str, int], notes: str, user) -> DisputeClosure:
    """Staff close a dispute with the amounts they decided (currency code → what the connection gets, negative:
    gives, against the partner) for the partner's next settlement; `adjusted` empty: nothing moves."""
    settlement_id = Dispute.objects.filter(pk=dispute_id).values_list("settlement_id", flat=True).first()
    if settlement_id is None:
        raise DisputeNotFound()
    _locked_settlement(settlement_id)
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("connection").get(pk=dispute_id)
    if dispute.closure_id is not None:
        raise DisputeClosed()
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed.single("notes", "Say why the dispute is closed this way.", "required")
    if any(quantity == 0 for quantity in adjusted.values()):
        raise ValidationFailed.single("adjusted", "Leave a currency out rather than give it zero.", "zero")
    currencies = {c.code: c for c in Currency.objects.filter(code__in=list(adjusted))}
    unknown = sorted(set(adjusted) - currencies.keys())
    if unknown:
        raise ValidationFailed.single("adjusted", f"Unknown currency {unknown[0]!r}.")
    reissued = [
        SettlementTransfer(
            partner_id=dispute.partner_id,
            connection=dispute.connection,
            client_id=dispute.client_id,
            currency=currencies[code],
            quantity=quantity,
        )
        for code, quantity in sorted(adjusted.items())
    ]
    return _close(dispute, closed_by=ClosedBy.ADMIN, user=user, user_label=_label(user), notes=notes, reissued=reissued)


def _label(user) -> str:
    return f"user {user.get_username()}" if user is not None else "staff"


def _close(
    dispute: Dispute,
    *,
    closed_by: str,
    user,
    user_label: str,
    notes: str,
    reissued: list[SettlementTransfer],
    payload: str = "",
    signature: str = "",
) -> DisputeClosure:
    """Records the closure and its transfers (copies of `reissued`, waiting for the partner's next settlement)."""
    now = timezone.now()
    adjusted: dict[str, int] = defaultdict(int)
    for transfer in reissued:
        # The closing connection's side: a transfer where it is the counterparty moves the other way for it.
        sign = -1 if transfer.counterparty_connection_id == dispute.connection_id else 1
        adjusted[transfer.currency.code] += sign * int(transfer.quantity)
    closure = DisputeClosure.objects.create(
        closed_by=closed_by,
        user=user,
        user_label=user_label[:255],
        notes=notes,
        status=ClosureStatus.APPROVED,
        reviewed_by=user_label[:255] if closed_by == ClosedBy.ADMIN else "",
        adjusted_transfers={code: str(q) for code, q in sorted(adjusted.items()) if q},
        payload=payload,
        signature=signature,
    )
    SettlementTransfer.objects.bulk_create(
        [
            SettlementTransfer(
                id=uuid.uuid4(),
                settlement=None,
                partner_id=transfer.partner_id,
                connection_id=transfer.connection_id,
                client_id=transfer.client_id,
                counterparty_connection_id=transfer.counterparty_connection_id,
                counterparty_client_id=transfer.counterparty_client_id,
                currency_id=transfer.currency_id,
                quantity=transfer.quantity,
                status=TransferStatus.PENDING_SETTLEMENT_ASSIGNMENT,
                dispute_closure=closure,
                created_at=now,
            )
            for transfer in reissued
        ]
    )
    dispute.closure = closure
    dispute.save(update_fields=["closure", "updated_at"])
    return closure
