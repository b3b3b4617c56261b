"""Funding a network client's account: staff deposits and withdrawals.

Staff move money between the world outside the network (the EXTERNAL account) and a client's AVAILABLE account,
with a reason kept as the transaction's memo. Both go through `allocations.services.ledger.ledger_post`, so a
withdrawal can never overdraw (InsufficientFunds, nothing written) and the posting is balanced.
"""

from django.db import transaction

from allocations.errors import CurrencyInactive
from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef, LedgerTransaction, TransactionKind
from allocations.services.ledger import ledger_post, retry_on_conflict, transfer
from config.errors import ValidationFailed
from partners.amounts import MAX_AMOUNT_DIGITS
from partners.models import Currency, NetworkClient

MAX_MEMO_LENGTH = 500  # LedgerTransaction.memo


def _checked(*, amount: int, memo: str) -> str:
    """The memo, stripped, once amount and memo are acceptable for a funding movement."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed.single("amount", "The amount must be a positive integer of base units.", "min_value")
    if len(str(amount)) > MAX_AMOUNT_DIGITS:
        raise ValidationFailed.single("amount", f"The amount has more than {MAX_AMOUNT_DIGITS} digits.", "max_digits")
    memo = (memo or "").strip()
    if not memo:
        raise ValidationFailed.single("memo", "Give the reason for this movement.", "required")
    if len(memo) > MAX_MEMO_LENGTH:
        raise ValidationFailed.single("memo", f"The reason has more than {MAX_MEMO_LENGTH} characters.", "max_length")
    return memo


def _funding(*, kind: str, client: NetworkClient, currency: Currency, amount: int, memo: str, created_by):
    memo = _checked(amount=amount, memo=memo)
    if kind == TransactionKind.DEPOSIT and not currency.active:
        raise CurrencyInactive(f"{currency.code} is not active: no new funds come in it.")
    external = AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency)
    available = AccountRef(client.pk, AccountKind.AVAILABLE, currency)
    source, destination = (external, available) if kind == TransactionKind.DEPOSIT else (available, external)
    return ledger_post(
        kind=kind,
        lines=transfer(source=source, destination=destination, amount=amount),
        memo=memo,
        created_by=created_by,
    )


@retry_on_conflict
@transaction.atomic
def network_deposit(
    *, client: NetworkClient, currency: Currency, amount: int, memo: str, created_by=None
) -> LedgerTransaction:
    """Credit `amount` base units of `currency` to the client's AVAILABLE account, from outside the network.
    `memo` (the reason, required) is kept on the transaction with `created_by`."""
    return _funding(
        kind=TransactionKind.DEPOSIT, client=client, currency=currency, amount=amount, memo=memo, created_by=created_by
    )


@retry_on_conflict
@transaction.atomic
def network_withdraw(
    *, client: NetworkClient, currency: Currency, amount: int, memo: str, created_by=None
) -> LedgerTransaction:
    """Debit `amount` base units of `currency` from the client's AVAILABLE account to outside the network.
    InsufficientFunds (422, nothing written) when the available balance is smaller: funds allocated to partners
    must be deallocated first."""
    return _funding(
        kind=TransactionKind.WITHDRAWAL,
        client=client,
        currency=currency,
        amount=amount,
        memo=memo,
        created_by=created_by,
    )
