"""Completing settlements: one ledger posting per settlement, made once, in the transaction that gives the
settlement and its transfers their final statuses.

- `settlement_complete(settlement, transfers, strict=...)`: posts what the pending transfers move. v1 (`strict`): a
  shortfall refuses the whole settlement (InsufficientFunds). v2 (not strict): the transfers that take from an
  account that cannot give what they ask (a connection that deallocated in the meantime, a partner's account that
  cannot pay a gain) fail with the reason, and the rest completes.
- `settlement_finalize(settlement_id=...)`: a v2 settlement whose windows have passed. The settlement's row is
  locked, so a dispute and a finalization, or two finalizations, queue; a second run finds it final and does
  nothing. The posting is unique per settlement (`Settlement.posting` is one-to-one) and written in the same
  transaction as the statuses: a worker killed mid-way leaves nothing behind, and a re-run does the whole work once.
  Transfers on a connection with a dispute that was not retracted, or that was closed (retracted before or not), are
  held back (`disputed`): what a closure decides goes into the partner's next settlement
  (settlements.services.disputes).
- `settlements_due_claim()`: the beat's sweep. It marks a batch of due settlements as enqueued with
  `FOR UPDATE SKIP LOCKED`, so several beats (or a beat and a manual run) split the work instead of repeating it;
  one not finalized within SETTLEMENT_REENQUEUE_SECONDS (its message lost) is claimed again.
"""

import datetime
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from allocations.errors import InsufficientFunds
from allocations.models import AccountKind, AccountRef, TransactionKind
from allocations.services.ledger import Line, ledger_lock, ledger_post, retry_on_conflict
from settlements.models import Dispute, Settlement, SettlementStatus, SettlementTransfer, TransferStatus

DISPUTED_REASON = "Held back by the client's dispute: the dispute's closure decides what moves."
SWEEP_BATCH = 500


def transfer_lines(transfer: SettlementTransfer) -> list[tuple[AccountRef, int]]:
    """The ledger lines of one transfer: its connection's HELD account gains `quantity`, the other side (the
    counterparty connection's HELD account, or the partner's account) loses it."""
    quantity = int(transfer.quantity)
    party = AccountRef(transfer.connection.network_account_id, AccountKind.HELD, transfer.currency)
    if transfer.counterparty_connection_id:
        other = AccountRef(transfer.counterparty_connection.network_account_id, AccountKind.HELD, transfer.currency)
    else:
        other = AccountRef(transfer.partner_id, AccountKind.PARTNER, transfer.currency)
    return [(party, quantity), (other, -quantity)]


def shortfall_message(ref: AccountRef, balance: int, needed: int, names: dict[uuid.UUID, str]) -> str:
    """Why an account cannot give what a settlement asks of it (InsufficientFunds, a failed transfer's reason)."""
    code = ref.currency.code
    if ref.kind == AccountKind.PARTNER:
        return f"Insufficient {code} funds: the partner's account holds {balance}, {needed} needed."
    name = names.get(ref.owner_id, str(ref.owner_id))
    return f"Insufficient {code} funds: connection {name} holds {balance} allocated, {needed} needed."


def connection_names(transfers: list[SettlementTransfer]) -> dict[uuid.UUID, str]:
    """Network account id → connection name, for the messages of shortfalls."""
    return {
        connection.network_account_id: connection.name
        for transfer in transfers
        for connection in (transfer.connection, transfer.counterparty_connection)
        if connection is not None
    }


def settlement_complete(settlement: Settlement, transfers: list[SettlementTransfer], *, strict: bool) -> None:
    """Posts the pending `transfers` of `settlement` and makes it final (module docstring). Inside the caller's
    transaction, with the settlement's row locked or just created."""
    active = [t for t in transfers if t.status == TransferStatus.PENDING]
    lines = {t.pk: transfer_lines(t) for t in active}
    balances = ledger_lock({ref for t in active for ref, _ in lines[t.pk]}) if active else {}
    names = connection_names(transfers)
    while True:
        deltas: dict[AccountRef, int] = defaultdict(int)
        for t in active:
            for ref, amount in lines[t.pk]:
                deltas[ref] += amount
        short = {ref: -delta for ref, delta in deltas.items() if balances[ref] + delta < 0}
        if not short:
            break
        if strict:
            ref = min(short, key=lambda r: (r.kind, str(r.owner_id), r.currency.code))
            raise InsufficientFunds(shortfall_message(ref, balances[ref], short[ref], names))
        for t in active:
            takes_from = [ref for ref, amount in lines[t.pk] if amount < 0 and ref in short]
            if takes_from:
                ref = takes_from[0]
                t.status, t.reason = TransferStatus.FAILED, shortfall_message(ref, balances[ref], short[ref], names)
        active = [t for t in active if t.status == TransferStatus.PENDING]

    now = timezone.now()
    posted = [Line(ref, delta) for ref, delta in deltas.items() if delta != 0]
    if posted:
        settlement.posting = ledger_post(
            kind=TransactionKind.SETTLEMENT, lines=posted, memo=f"settlement {settlement.external_id} ({settlement.pk})"
        )
    outcomes: dict[tuple[str, str], list[uuid.UUID]] = defaultdict(list)
    for t in transfers:
        if t.status == TransferStatus.PENDING:
            t.status = TransferStatus.COMPLETED
        t.updated_at = now
        outcomes[(t.status, t.reason)].append(t.pk)
    # One UPDATE per outcome (usually one: all completed), not bulk_update's CASE over every transfer and field,
    # whose expressions took Django more CPU than the rest of the finalization (profiled).
    for (status, reason), pks in outcomes.items():
        SettlementTransfer.objects.filter(pk__in=pks).update(status=status, reason=reason, updated_at=now)
    failed = [t for t in transfers if t.status == TransferStatus.FAILED]
    if transfers and len(failed) == len(transfers):
        settlement.status, settlement.reason = SettlementStatus.FAILED, failed[0].reason
    else:
        settlement.status = SettlementStatus.COMPLETED
    settlement.finalized_at = now
    settlement.save(update_fields=["posting", "status", "reason", "finalized_at", "updated_at"])


@retry_on_conflict
@transaction.atomic
def settlement_finalize(*, settlement_id: uuid.UUID | str, force: bool = False) -> Settlement | None:
    """Finalizes a pending v2 settlement once its windows have passed (`force`: now, staff's "finalize now").
    Returns the settlement it finalized, or None when there was nothing to do (unknown, final, or not yet due)."""
    settlement = Settlement.objects.select_for_update(of=("self",)).filter(pk=settlement_id).first()
    if settlement is None or settlement.status != SettlementStatus.PENDING:
        return None
    if not force and settlement.finalize_after and settlement.finalize_after > timezone.now():
        return None
    transfers = list(
        SettlementTransfer.objects.select_related("connection", "counterparty_connection", "currency")
        .filter(settlement=settlement, status=TransferStatus.PENDING)
        .order_by("created_at", "id")
    )
    # A closed dispute holds them back even when it was retracted before: its closure re-issued them for the
    # partner's next settlement, so completing them here too would move them twice.
    held_back = set(
        Dispute.objects.filter(settlement=settlement)
        .filter(Q(retracted=False) | Q(closure__isnull=False))
        .values_list("connection_id", flat=True)
    )
    for t in transfers:
        if t.connection_id in held_back or t.counterparty_connection_id in held_back:
            t.status, t.reason = TransferStatus.DISPUTED, DISPUTED_REASON
    settlement_complete(settlement, transfers, strict=False)
    return settlement


def settlements_due_claim(*, limit: int | None = None) -> list[uuid.UUID]:
    """Claims up to `limit` (SWEEP_BATCH) due pending settlements for finalization and returns their ids; the caller
    enqueues one finalization each (after this commit). Rows another sweep holds are skipped, not waited for."""
    limit = SWEEP_BATCH if limit is None else limit
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.SETTLEMENT_REENQUEUE_SECONDS)
    with transaction.atomic():
        ids = list(
            Settlement.objects.select_for_update(skip_locked=True)
            .filter(status=SettlementStatus.PENDING, finalize_after__lte=now)
            .filter(Q(finalization_enqueued_at__isnull=True) | Q(finalization_enqueued_at__lt=stale))
            .order_by("finalize_after")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Settlement.objects.filter(pk__in=ids).update(finalization_enqueued_at=now)
    return ids
