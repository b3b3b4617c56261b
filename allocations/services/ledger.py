"""The one way money moves: `ledger_post(kind=..., lines=[...])`.

A line is an account (owner, kind, currency) and a signed amount in base units: positive adds to the account's
balance, negative takes from it. A posting must balance per currency (lines sum to zero), and no account other than
an external one may end below zero (`InsufficientFunds`). The accounts a posting touches are created on first use and
locked in ascending id order (`SELECT ... FOR UPDATE`), so concurrent postings over the same accounts queue instead
of deadlocking, and a balance is checked and written by one transaction at a time. The same rules hold in PostgreSQL
(CHECK constraints, a deferred constraint trigger; allocations/migrations/0002): a bug here cannot break them.

Reads (`account_balance`, `ledger_differences`) are in allocations.selectors.ledger.

`ledger_post` joins the caller's `transaction.atomic()` (the allocation, the deposit), so the business record and
its money movement commit or roll back together. A posting costs four statements once its accounts exist: lock the
accounts, update their balances, insert the transaction, insert its entries. `retry_on_conflict` re-runs a whole
service when PostgreSQL reports a serialization failure or a deadlock, a bounded number of times.
"""

import functools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import OperationalError, transaction
from django.utils import timezone

from allocations.errors import InsufficientFunds, LedgerBalanceOverflow, LedgerImbalanced
from allocations.models import AccountKind, AccountRef, LedgerAccount, LedgerEntry, LedgerTransaction
from partners.amounts import MAX_AMOUNT_DIGITS

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs worth retrying the whole transaction for.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
MAX_ATTEMPTS = 4
_BALANCE_LIMIT = 10**MAX_AMOUNT_DIGITS  # a balance, like an amount, has at most 78 digits (NUMERIC(78,0))


class Line(NamedTuple):
    account: AccountRef
    amount: int  # base units; positive adds to the balance, negative takes from it


def transfer(*, source: AccountRef, destination: AccountRef, amount: int) -> list[Line]:
    """The two lines that move `amount` from `source` to `destination` (same currency)."""
    return [Line(source, -amount), Line(destination, amount)]


def ledger_post(*, kind: str, lines: Iterable[Line], memo: str = "", created_by=None) -> LedgerTransaction:
    """Posts `lines` as one transaction. Joins the caller's transaction (opens one when there is none) without a
    savepoint: every refusal (LedgerImbalanced, InsufficientFunds, LedgerBalanceOverflow) is raised before anything
    is written, so the caller's transaction stays usable and may record the refusal."""
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
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return _post(kind=kind, lines=lines, memo=memo, created_by=created_by)
    return _post(kind=kind, lines=lines, memo=memo, created_by=created_by)


def _post(*, kind: str, lines: list[Line], memo: str, created_by) -> LedgerTransaction:
    accounts = _locked_accounts({line.account for line in lines})
    deltas: dict[AccountRef, int] = defaultdict(int)
    for line in lines:
        deltas[line.account] += line.amount
    balances: dict[AccountRef, int] = {}
    for ref, delta in deltas.items():
        balance = int(accounts[ref].balance)
        balances[ref] = balance + delta
        if balances[ref] < 0 and ref.kind != AccountKind.EXTERNAL:
            raise InsufficientFunds.shortfall(code=ref.currency.code, kind=ref.kind, balance=balance, needed=-delta)
        if abs(balances[ref]) >= _BALANCE_LIMIT:  # NUMERIC(78,0) could not store it: refuse before writing
            raise LedgerBalanceOverflow(
                f"The amount is too large: the {ref.currency.code} {ref.kind} balance would have more than "
                f"{MAX_AMOUNT_DIGITS} digits."
            )
    now = timezone.now()
    connection = transaction.get_connection()
    balance_field = LedgerAccount._meta.get_field("balance")
    with connection.cursor() as cursor:  # one statement for all the balances (psycopg pipelines executemany)
        cursor.executemany(
            "UPDATE allocations_ledgeraccount SET balance = %s, updated_at = %s WHERE id = %s",
            [
                (balance_field.get_db_prep_save(balance, connection), now, accounts[ref].pk)
                for ref, balance in balances.items()
            ],
        )
    for ref, balance in balances.items():
        accounts[ref].balance = Decimal(balance)
    posting = LedgerTransaction(kind=kind, memo=memo[:500], created_by=created_by, created_at=now)
    posting.save(force_insert=True)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=posting, account=accounts[line.account], amount=line.amount) for line in lines]
    )
    return posting


def ledger_lock(refs: Iterable[AccountRef]) -> dict[AccountRef, int]:
    """The balances of `refs`, their accounts locked FOR UPDATE until the caller's transaction ends (created at
    zero when missing), for a service that decides what to post from them (a settlement's finalization). The
    posting that follows takes the same locks again, at no cost."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_lock holds its locks for the caller's transaction: call it inside one")
    return {ref: int(account.balance) for ref, account in _locked_accounts(set(refs)).items()}


def _locked_accounts(refs: set[AccountRef]) -> dict[AccountRef, LedgerAccount]:
    """The accounts of `refs`, locked FOR UPDATE in ascending id order (one statement once they exist).

    Missing accounts (a first posting to them) are created with INSERT ... ON CONFLICT DO NOTHING, as a concurrent
    posting may create the same one, and all are selected again. That second lock may take a lower id after a
    higher one; a deadlock it causes with another first posting is retried by `retry_on_conflict`."""
    found = _select_for_update(refs)
    if len(found) < len(refs):
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(owner_id=r.owner_id, kind=r.kind, currency=r.currency) for r in refs - found.keys()],
            ignore_conflicts=True,
        )
        found = _select_for_update(refs)
    return found


def _select_for_update(refs: set[AccountRef]) -> dict[AccountRef, LedgerAccount]:
    # Raw SQL: the ORM spends more time composing this OR of three-column matches than PostgreSQL takes to run it.
    connection = transaction.get_connection()
    owner_field = LedgerAccount._meta.get_field("owner_id")
    by_key = {(ref.owner_id, ref.kind, ref.currency.pk): ref for ref in refs}
    params = []
    for owner_id, kind, currency_id in by_key:
        params += [owner_field.get_db_prep_value(owner_id, connection), kind, currency_id]
    where = " OR ".join(["(owner_id = %s AND kind = %s AND currency_id = %s)"] * len(by_key))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: one writer at a time
    query = f"SELECT * FROM allocations_ledgeraccount WHERE {where} ORDER BY id{lock}"  # noqa: S608 - placeholders only
    return {
        by_key[(account.owner_id, account.kind, account.currency_id)]: account
        for account in LedgerAccount.objects.raw(query, params)
    }


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
