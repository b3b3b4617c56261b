"""The one way money moves: `ledger_post(kind=..., lines=[...])`.

A line is an account (owner, kind, currency) and a signed amount in base units: positive adds to the account's
balance, negative takes from it. A posting must balance per currency (lines sum to zero), and no account other than
an external one may end below zero (`InsufficientFunds`). The accounts a posting touches are created on first use and
locked in ascending id order (`SELECT ... FOR UPDATE`), so concurrent postings over the same accounts queue instead
of deadlocking, and a balance is checked and written by one transaction at a time.

On PostgreSQL the posting is one call of the PL/pgSQL function `ledger_post` (allocations/migrations/0005): the
locks, the checks and the writes in one round trip; its refusals come back as values and are raised here as the
same domain errors. It is the only writer of balances (a trigger refuses any other), and the rules hold in the
database besides (CHECK constraints, immutable entries, a deferred balance trigger; migration 0002). On SQLite (the
embedded default, one writer at a time) the same posting runs in Python (`_post_in_python`).

Reads (`account_balance`, `ledger_differences`) are in allocations.selectors.ledger.

`ledger_post` joins the caller's `transaction.atomic()` (the allocation, the deposit), so the business record and
its money movement commit or roll back together. `retry_on_conflict` re-runs a whole service when PostgreSQL reports
a serialization failure or a deadlock, a bounded number of times.
"""

import functools
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db import OperationalError, models, transaction
from django.utils import timezone

from allocations.errors import InsufficientFunds, LedgerBalanceOverflow, LedgerImbalanced
from allocations.models import AccountKind, AccountRef, LedgerAccount, LedgerEntry, LedgerTransaction
from config.errors import DomainError
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
    lines = checked_lines(lines)
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return _post(kind=kind, lines=lines, memo=memo, created_by=created_by)
    return _post(kind=kind, lines=lines, memo=memo, created_by=created_by)


def checked_lines(lines: Iterable[Line]) -> list[Line]:
    """The non-zero lines of a posting, once they are integers that sum to zero per currency (LedgerImbalanced)."""
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
    return lines


def _post(*, kind: str, lines: list[Line], memo: str, created_by) -> LedgerTransaction:
    if transaction.get_connection().vendor == "postgresql":
        return _post_in_postgresql(kind=kind, lines=lines, memo=memo, created_by=created_by)
    return _post_in_python(kind=kind, lines=lines, memo=memo, created_by=created_by)


_LEDGER_POST_SQL = (
    "SELECT refusal, refused_line, refused_balance FROM ledger_post("
    "%s, %s, %s, %s, %s, %s::uuid[], %s::text[], %s::bigint[], %s::numeric[])"
)


def posting_lines_params(lines: list[Line]) -> list[list]:
    """The lines of a posting as the PostgreSQL functions take them (allocations/migrations/0005): four parallel
    arrays of owners, kinds, currency ids and amounts."""
    return [
        [line.account.owner_id for line in lines],
        [line.account.kind for line in lines],
        [line.account.currency.pk for line in lines],
        [str(line.amount) for line in lines],
    ]


def posting_refusal(lines: list[Line], line_number: int, balance) -> DomainError:
    """The domain error of a refusal answered by the `ledger_post` function for line `line_number` (1-based) of
    `lines`, whose account held `balance`: the same error the Python posting raises."""
    ref = lines[line_number - 1].account
    delta = sum(line.amount for line in lines if line.account == ref)
    refusal = _refusal(ref, balance=int(balance), delta=delta)
    if refusal is None:
        raise AssertionError(f"ledger_post refused line {line_number} of a posting it could make")
    return refusal


def _post_in_postgresql(*, kind: str, lines: list[Line], memo: str, created_by) -> LedgerTransaction:
    """One call of the `ledger_post` function: the same locks, checks and writes as `_post_in_python`, in one round
    trip. Its refusals come back as values, nothing written, and are raised here as the same domain errors."""
    connection = transaction.get_connection()
    posting = LedgerTransaction(
        id=uuid.uuid4(), kind=kind, memo=memo[:500], created_by=created_by, created_at=timezone.now()
    )
    with connection.cursor() as cursor:
        creator = created_by.pk if created_by is not None else None
        params = [posting.id, kind, posting.memo, creator, posting.created_at, *posting_lines_params(lines)]
        cursor.execute(_LEDGER_POST_SQL, params)
        refusal, refused_line, refused_balance = cursor.fetchone()
    if refusal is not None:
        raise posting_refusal(lines, refused_line, refused_balance)
    return stored(posting, connection)


def stored(instance: models.Model, connection) -> models.Model:
    """`instance` marked as a row of the database, as if the ORM had saved it (a SQL function inserted it)."""
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def _refusal(ref: AccountRef, *, balance: int, delta: int) -> DomainError | None:
    """Why a posting may not move `ref`'s balance by `delta`, if it may not."""
    if balance + delta < 0 and ref.kind != AccountKind.EXTERNAL:
        return InsufficientFunds.shortfall(code=ref.currency.code, kind=ref.kind, balance=balance, needed=-delta)
    if abs(balance + delta) >= _BALANCE_LIMIT:  # NUMERIC(78,0) could not store it: refuse before writing
        return LedgerBalanceOverflow(
            f"The amount is too large: the {ref.currency.code} {ref.kind} balance would have more than "
            f"{MAX_AMOUNT_DIGITS} digits."
        )
    return None


def _post_in_python(*, kind: str, lines: list[Line], memo: str, created_by) -> LedgerTransaction:
    """The posting on SQLite (one writer at a time): the rules of the PostgreSQL function, in Python."""
    accounts = _locked_accounts({line.account for line in lines})
    deltas: dict[AccountRef, int] = defaultdict(int)
    for line in lines:
        deltas[line.account] += line.amount
    balances: dict[AccountRef, int] = {}
    for ref, delta in deltas.items():
        refusal = _refusal(ref, balance=int(accounts[ref].balance), delta=delta)
        if refusal is not None:
            raise refusal
        balances[ref] = int(accounts[ref].balance) + delta
    now = timezone.now()
    LedgerAccount.objects.bulk_update(
        [_with_balance(accounts[ref], balance, now) for ref, balance in balances.items()], ["balance", "updated_at"]
    )
    posting = LedgerTransaction(kind=kind, memo=memo[:500], created_by=created_by, created_at=now)
    posting.save(force_insert=True)
    LedgerEntry.objects.bulk_create(
        [LedgerEntry(transaction=posting, account=accounts[line.account], amount=line.amount) for line in lines]
    )
    return posting


def _with_balance(account: LedgerAccount, balance: int, now) -> LedgerAccount:
    account.balance, account.updated_at = Decimal(balance), now
    return account


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
