"""Funding a network client's account, or a partner's own: staff deposits and withdrawals.

Staff move money between the world outside the network (the EXTERNAL account) and a client's AVAILABLE account, or
a partner's PARTNER account (which pays its clients' settlement gains), with a reason kept as the transaction's
memo. Both go through `allocations.services.ledger.ledger_post`, so a withdrawal can never overdraw
(InsufficientFunds, nothing written) and the posting is balanced.
"""

from django.db import transaction

from allocations.errors import CurrencyInactive
from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef, LedgerTransaction, TransactionKind
from allocations.services.ledger import ledger_post, retry_on_conflict, transfer
from config.errors import ValidationFailed
from partners.amounts import MAX_AMOUNT_DIGITS
from partners.models import Currency, NetworkClient, Partner

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


def _funding(*, kind: str, account: AccountRef, amount: int, memo: str, created_by):
    memo = _checked(amount=amount, memo=memo)
    currency = account.currency
    if kind == TransactionKind.DEPOSIT and not currency.active:
        raise CurrencyInactive(f"{currency.code} is not active: no new funds come in it.")
    external = AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency)
    source, destination = (external, account) if kind == TransactionKind.DEPOSIT else (account, external)
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
    account = AccountRef(client.pk, AccountKind.AVAILABLE, currency)
    return _funding(kind=TransactionKind.DEPOSIT, account=account, amount=amount, memo=memo, created_by=created_by)


@retry_on_conflict
@transaction.atomic
def network_withdraw(
    *, client: NetworkClient, currency: Currency, amount: int, memo: str, created_by=None
) -> LedgerTransaction:
    """Debit `amount` base units of `currency` from the client's AVAILABLE account to outside the network.
    InsufficientFunds (422, nothing written) when the available balance is smaller: funds allocated to partners
    must be deallocated first."""
    account = AccountRef(client.pk, AccountKind.AVAILABLE, currency)
    return _funding(kind=TransactionKind.WITHDRAWAL, account=account, amount=amount, memo=memo, created_by=created_by)


@retry_on_conflict
@transaction.atomic
def partner_deposit(
    *, partner: Partner, currency: Currency, amount: int, memo: str, created_by=None
) -> LedgerTransaction:
    """Credit the partner's own account (what pays its clients' settlement gains) from outside the network."""
    account = AccountRef(partner.pk, AccountKind.PARTNER, currency)
    return _funding(kind=TransactionKind.DEPOSIT, account=account, amount=amount, memo=memo, created_by=created_by)


@retry_on_conflict
@transaction.atomic
def partner_withdraw(
    *, partner: Partner, currency: Currency, amount: int, memo: str, created_by=None
) -> LedgerTransaction:
    """Debit the partner's own account to outside the network; never below zero (InsufficientFunds)."""
    account = AccountRef(partner.pk, AccountKind.PARTNER, currency)
    return _funding(kind=TransactionKind.WITHDRAWAL, account=account, amount=amount, memo=memo, created_by=created_by)
