"""Reads of the ledger: one account's balance, and the stored ledger checked against itself (`manage.py
ledger_verify`). Writes (`ledger_post`) are in allocations.services.ledger."""

from collections import defaultdict

from allocations.models import AccountKind, AccountRef, LedgerAccount, LedgerEntry


def account_balance(ref: AccountRef) -> int:
    """The account's balance (0 when it was never used). One indexed read, whatever the history."""
    account = LedgerAccount.objects.filter(owner_id=ref.owner_id, kind=ref.kind, currency=ref.currency).first()
    return int(account.balance) if account is not None else 0


def ledger_differences() -> list[str]:
    """Every way the stored ledger disagrees with itself: an account whose balance is not the sum of its entries,
    a non-external account below zero, a transaction that does not sum to zero per currency. Empty when consistent."""
    sums: dict[int, int] = defaultdict(int)
    per_transaction: dict[tuple, int] = defaultdict(int)
    entries = LedgerEntry.objects.values_list("account_id", "account__currency_id", "transaction_id", "amount")
    for account_id, currency_id, transaction_id, amount in entries.order_by("id").iterator(chunk_size=10_000):
        sums[account_id] += int(amount)
        per_transaction[(transaction_id, currency_id)] += int(amount)
    problems = []
    accounts = LedgerAccount.objects.values_list("id", "kind", "balance").order_by("id")
    for account_id, kind, balance in accounts.iterator(chunk_size=10_000):
        if int(balance) != sums.get(account_id, 0):
            problems.append(f"account {account_id}: balance {int(balance)}, entries sum to {sums.get(account_id, 0)}")
        if int(balance) < 0 and kind != AccountKind.EXTERNAL:
            problems.append(f"account {account_id} ({kind}) is below zero: {int(balance)}")
    for (transaction_id, currency_id), total in sorted(per_transaction.items(), key=str):
        if total:
            problems.append(f"transaction {transaction_id}: currency {currency_id} sums to {total}, not 0")
    return problems
