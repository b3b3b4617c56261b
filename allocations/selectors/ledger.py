"""Reads of the ledger: one account's balance, and the stored ledger checked against itself (`manage.py
ledger_verify`). Writes (`ledger_post`) are in allocations.services.ledger."""

from collections import defaultdict
from collections.abc import Iterator

from django.db import router, transaction
from django.db.models import QuerySet

from allocations.models import AccountKind, AccountRef, LedgerAccount, LedgerEntry


def account_balance(ref: AccountRef) -> int:
    """The account's balance (0 when it was never used). One indexed read, whatever the history."""
    account = LedgerAccount.objects.filter(owner_id=ref.owner_id, kind=ref.kind, currency=ref.currency).first()
    return int(account.balance) if account is not None else 0


CHUNK_SIZE = 10_000


def ledger_differences() -> list[str]:
    """Every way the stored ledger disagrees with itself: an account whose balance is not the sum of its entries,
    a non-external account below zero, a transaction that does not sum to zero per currency. Empty when consistent.

    Every read sees one snapshot (on PostgreSQL a REPEATABLE READ, READ ONLY transaction of its own, unless the caller
    has one), so postings committed meanwhile are seen entirely or not at all. The rows come in keyset pages of
    CHUNK_SIZE: no server-side cursor, which a transaction-pooling PgBouncer could not keep (DATABASE_POOLER), and
    never the whole ledger in memory at once."""
    connection = transaction.get_connection(router.db_for_read(LedgerEntry))
    if connection.in_atomic_block:
        return _differences()
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _differences()


def _differences() -> list[str]:
    sums: dict[int, int] = defaultdict(int)
    per_transaction: dict[tuple, int] = defaultdict(int)
    entries = _pages(
        LedgerEntry.objects.values_list("id", "account_id", "account__currency_id", "transaction_id", "amount")
    )
    for _, account_id, currency_id, transaction_id, amount in entries:
        sums[account_id] += int(amount)
        per_transaction[(transaction_id, currency_id)] += int(amount)
    problems = []
    for account_id, kind, balance in _pages(LedgerAccount.objects.values_list("id", "kind", "balance")):
        if int(balance) != sums.get(account_id, 0):
            problems.append(f"account {account_id}: balance {int(balance)}, entries sum to {sums.get(account_id, 0)}")
        if int(balance) < 0 and kind != AccountKind.EXTERNAL:
            problems.append(f"account {account_id} ({kind}) is below zero: {int(balance)}")
    for (transaction_id, currency_id), total in sorted(per_transaction.items(), key=str):
        if total:
            problems.append(f"transaction {transaction_id}: currency {currency_id} sums to {total}, not 0")
    return problems


def _pages(rows: QuerySet) -> Iterator[tuple]:
    """`rows` (values_list tuples whose first value is the id) in id order, CHUNK_SIZE a query (`id > last`)."""
    last = None
    while True:
        page = rows.order_by("id") if last is None else rows.filter(id__gt=last).order_by("id")
        chunk = list(page[:CHUNK_SIZE])
        yield from chunk
        if len(chunk) < CHUNK_SIZE:
            return
        last = chunk[-1][0]
