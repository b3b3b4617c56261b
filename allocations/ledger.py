"""The one way money moves: `ledger_post(kind=..., lines=[...])`.

A line is an account (owner, kind, currency) and a signed amount in base units: positive adds to the account's
balance, negative takes from it. A posting must balance per currency (lines sum to zero), and no account other than
an external one may end below zero (`InsufficientFunds`). The accounts a posting touches are created on first use and
locked in ascending id order (`SELECT ... FOR UPDATE`), so concurrent postings over the same accounts queue instead
of deadlocking, and a balance is checked and written by one transaction at a time. The same rules hold in PostgreSQL
(CHECK constraints, a deferred constraint trigger; allocations/migrations/0002): a bug here cannot break them.

`ledger_post` must run inside the caller's `transaction.atomic()` (the allocation, the deposit), so the business
record and its money movement commit or roll back together. `retry_on_conflict` re-runs a whole service when
PostgreSQL reports a serialization failure or a deadlock, a bounded number of times.
"""

import functools
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, transaction

from allocations.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from config.errors import UnprocessableEntity
from partners.models import Currency

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs worth retrying the whole transaction for.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
MAX_ATTEMPTS = 4


class InsufficientFunds(UnprocessableEntity):
    code = "InsufficientFunds"
    default_message = "Insufficient funds."


class LedgerImbalanced(Exception):
    """A posting whose lines do not sum to zero per currency: a programming error, never a user's."""


class AccountRef(NamedTuple):
    owner_id: uuid.UUID
    kind: str
    currency: Currency


class Line(NamedTuple):
    account: AccountRef
    amount: int  # base units; positive adds to the balance, negative takes from it


def transfer(*, source: AccountRef, destination: AccountRef, amount: int) -> list[Line]:
    """The two lines that move `amount` from `source` to `destination` (same currency)."""
    return [Line(source, -amount), Line(destination, amount)]


@transaction.atomic
def ledger_post(*, kind: str, lines: Iterable[Line], memo: str = "", created_by=None) -> LedgerTransaction:
    lines = [line for line in lines if line.amount != 0]
    if not lines:
        raise LedgerImbalanced("a posting needs at least one non-zero line")
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise LedgerImbalanced(f"amounts are integers of base units, not {type(line.amount).__name__}")
        totals[line.account.currency.pk] += line.amount
    if any(totals.values()):
        raise LedgerImbalanced(f"a posting must sum to zero per currency: {dict(totals)}")

    accounts = _locked_accounts({line.account for line in lines})
    deltas: dict[int, int] = defaultdict(int)
    for line in lines:
        deltas[accounts[line.account].pk] += line.amount
    by_id = {account.pk: account for account in accounts.values()}
    for account_id in sorted(deltas):
        account = by_id[account_id]
        new_balance = int(account.balance) + deltas[account_id]
        if new_balance < 0 and account.kind != AccountKind.EXTERNAL:
            raise InsufficientFunds(
                f"Insufficient {account.currency.code} funds: {account.kind} balance {int(account.balance)}, "
                f"{-deltas[account_id]} needed."
            )
        account.balance = Decimal(new_balance)
    LedgerAccount.objects.bulk_update([by_id[i] for i in sorted(deltas)], ["balance", "updated_at"])

    posting = LedgerTransaction.objects.create(kind=kind, memo=memo[:500], created_by=created_by)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=posting, account=accounts[line.account], amount=line.amount) for line in lines]
    )
    return posting


def _locked_accounts(refs: set[AccountRef]) -> dict[AccountRef, LedgerAccount]:
    """The accounts of `refs`, created when missing, locked FOR UPDATE in ascending id order."""
    key = lambda ref: (ref.owner_id, ref.kind, ref.currency.pk)  # noqa: E731
    wanted = {key(ref): ref for ref in refs}
    try:
        with transaction.atomic():  # a concurrent posting may create the same account first: then just use it
            LedgerAccount.objects.bulk_create(
                [LedgerAccount(owner_id=ref.owner_id, kind=ref.kind, currency=ref.currency) for ref in refs],
                ignore_conflicts=True,
            )
    except IntegrityError:  # pragma: no cover - ignore_conflicts covers the unique constraint
        pass
    query = None
    for owner_id, kind, currency_id in wanted:
        condition = LedgerAccount.objects.filter(owner_id=owner_id, kind=kind, currency_id=currency_id)
        query = condition if query is None else query | condition
    # of=self: FOR UPDATE over the join would lock the currency row too, queueing every posting of a currency on it
    # and deadlocking postings that took it and their accounts in different orders.
    locked = list(query.select_for_update(of=("self",)).select_related("currency").order_by("pk"))
    found = {(a.owner_id, a.kind, a.currency_id): a for a in locked}
    return {ref: found[k] for k, ref in wanted.items()}


def account_balance(ref: AccountRef) -> int:
    """The account's balance (0 when it was never used). One indexed read, whatever the history."""
    account = LedgerAccount.objects.filter(owner_id=ref.owner_id, kind=ref.kind, currency=ref.currency).first()
    return int(account.balance) if account is not None else 0


def retry_on_conflict(service: Callable) -> Callable:
    """Re-run `service` (which opens its own transaction) on a serialization failure or a deadlock, up to
    MAX_ATTEMPTS times with a short backoff; any other error, or the last conflict, goes to the caller."""

    @functools.wraps(service)
    def wrapped(*args, **kwargs):
        # Only a transaction of our own can be re-run: inside the caller's, the caller must retry.
        attempts = 1 if transaction.get_connection().in_atomic_block else MAX_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                return service(*args, **kwargs)
            except OperationalError as exc:
                sqlstate = getattr(exc.__cause__, "sqlstate", None)
                if sqlstate not in _RETRYABLE_SQLSTATES or attempt == attempts:
                    raise
                logger.warning("%s: %s, retrying (attempt %d)", service.__name__, sqlstate, attempt + 1)
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")

    return wrapped


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
