"""The ledger: balanced postings, no overdraft, immutable entries, stored balances that ledger_verify recomputes;
on PostgreSQL the database enforces the same rules, and concurrent postings never overdraw."""

import threading
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from allocations.errors import InsufficientFunds, LedgerBalanceOverflow, LedgerImbalanced, in_whole_units
from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef, LedgerAccount, LedgerEntry, LedgerTransaction
from allocations.selectors.ledger import account_balance, ledger_differences
from allocations.services.ledger import Line, ledger_post, retry_on_conflict, transfer
from tests.allocations.conftest import balance_guard_off
from tests.factories.partners import CurrencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tbtc():
    # get-or-create: a transactional test before this one may have flushed the data migration's currencies
    return CurrencyFactory(code="tbtc", name="Testnet Bitcoin", decimals=8)


@pytest.fixture
def client_id():
    return uuid.uuid4()


def external(currency):
    return AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency)


def available(owner, currency):
    return AccountRef(owner, AccountKind.AVAILABLE, currency)


def held(owner, currency):
    return AccountRef(owner, AccountKind.HELD, currency)


def deposit(owner, currency, amount):
    return ledger_post(
        kind="deposit", lines=transfer(source=external(currency), destination=available(owner, currency), amount=amount)
    )


def test_a_balance_beyond_78_digits_is_refused_and_nothing_is_written(client_id, tbtc):
    """NUMERIC(78,0) holds 78 digits: the posting refuses a balance it cannot store (was a database error / 500)."""
    deposit(client_id, tbtc, 1)

    with pytest.raises(LedgerBalanceOverflow, match="78 digits"):
        deposit(client_id, tbtc, 10**78 - 1)  # the external account would reach -10**78, the client's 10**78

    assert account_balance(available(client_id, tbtc)) == 1
    assert account_balance(external(tbtc)) == -1
    assert LedgerTransaction.objects.count() == 1


def test_a_posting_moves_money_and_stores_balances(client_id, tbtc):
    deposit(client_id, tbtc, 1_000)
    connection_id = uuid.uuid4()
    ledger_post(
        kind="allocation",
        lines=transfer(source=available(client_id, tbtc), destination=held(connection_id, tbtc), amount=400),
    )
    assert account_balance(available(client_id, tbtc)) == 600
    assert account_balance(held(connection_id, tbtc)) == 400
    assert account_balance(external(tbtc)) == -1_000  # the world's side of the deposit
    assert ledger_differences() == []


def test_78_digit_amounts_stay_exact(client_id, tbtc):
    huge = 10**77 + 7
    deposit(client_id, tbtc, huge)
    assert account_balance(available(client_id, tbtc)) == huge
    assert ledger_differences() == []


def test_an_unbalanced_posting_is_refused_and_writes_nothing(client_id, tbtc):
    with pytest.raises(LedgerImbalanced):
        ledger_post(kind="deposit", lines=[Line(available(client_id, tbtc), 5)])
    teth = CurrencyFactory(code="teth", name="Testnet Ethereum", decimals=18)
    with pytest.raises(LedgerImbalanced):  # balanced in total, not per currency
        ledger_post(kind="deposit", lines=[Line(available(client_id, tbtc), 5), Line(external(teth), -5)])
    assert not LedgerTransaction.objects.exists() and not LedgerEntry.objects.exists()


def test_overdrawing_is_refused_and_writes_nothing(client_id, tbtc):
    deposit(client_id, tbtc, 100)
    with pytest.raises(InsufficientFunds):
        ledger_post(
            kind="allocation",
            lines=transfer(source=available(client_id, tbtc), destination=held(uuid.uuid4(), tbtc), amount=101),
        )
    assert account_balance(available(client_id, tbtc)) == 100
    assert LedgerTransaction.objects.count() == 1


def test_the_shortfall_message_keeps_base_units_and_pages_read_it_in_whole_units(client_id, tbtc):
    """The message the API returns (and a refused allocation stores) is unchanged; pages rewrite its amounts."""
    deposit(client_id, tbtc, 25_000_000)
    with pytest.raises(InsufficientFunds) as refused:
        ledger_post(
            kind="allocation",
            lines=transfer(source=available(client_id, tbtc), destination=held(uuid.uuid4(), tbtc), amount=99_000_000),
        )
    assert refused.value.message == "Insufficient tbtc funds: available balance 25000000, 99000000 needed."
    assert in_whole_units(refused.value.message, decimals=tbtc.decimals) == (
        "Insufficient tbtc funds: available balance 0.25 tbtc, 0.99 tbtc needed."
    )
    assert in_whole_units("The connection is inactive.", decimals=8) == "The connection is inactive."


def test_ledger_verify_finds_a_tampered_balance(client_id, tbtc, capsys):
    deposit(client_id, tbtc, 100)
    call_command("ledger_verify")
    assert "Ledger consistent" in capsys.readouterr().out
    with balance_guard_off():  # a tamperer who owns the tables: ledger_verify still finds it
        LedgerAccount.objects.filter(owner_id=client_id).update(balance=150)
    with pytest.raises(CommandError, match="inconsistent"):
        call_command("ledger_verify")
    assert "balance 150, entries sum to 100" in capsys.readouterr().err


# --- PostgreSQL enforces the rules itself ------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_refuses_a_balance_written_outside_the_posting_function(client_id, tbtc):
    """Only `ledger_post()` writes balances: an UPDATE of a balance, even one that keeps it non-negative, and an
    account created with a balance are refused by the database; the posting function itself still works after."""
    deposit(client_id, tbtc, 100)
    with pytest.raises(IntegrityError, match="outside ledger_post"), transaction.atomic():
        LedgerAccount.objects.filter(owner_id=client_id).update(balance=150)
    with pytest.raises(IntegrityError, match="outside ledger_post"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE allocations_ledgeraccount SET balance = balance + 1")
    with pytest.raises(IntegrityError, match="balances start at 0"), transaction.atomic():
        LedgerAccount.objects.create(owner_id=uuid.uuid4(), kind=AccountKind.AVAILABLE, currency=tbtc, balance=5)
    with transaction.atomic():  # the door the function opens is closed again when it returns
        deposit(client_id, tbtc, 1)
        with pytest.raises(IntegrityError, match="outside ledger_post"), transaction.atomic():
            LedgerAccount.objects.filter(owner_id=client_id).update(balance=999)
    LedgerAccount.objects.filter(owner_id=client_id).update(updated_at=timezone.now())  # other columns: allowed
    assert account_balance(available(client_id, tbtc)) == 101
    assert ledger_differences() == []


@pytest.mark.postgres
def test_postgresql_refuses_an_unbalanced_transaction_at_commit(client_id, tbtc):
    account = LedgerAccount.objects.create(owner_id=client_id, kind=AccountKind.AVAILABLE, currency=tbtc)
    posting = LedgerTransaction.objects.create(kind="deposit")
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        LedgerEntry.objects.create(transaction=posting, account=account, amount=5)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does to a deferred trigger


@pytest.mark.postgres
def test_postgresql_keeps_entries_immutable_and_balances_non_negative(client_id, tbtc):
    deposit(client_id, tbtc, 100)
    entry = LedgerEntry.objects.first()
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM allocations_ledgerentry")  # the database itself refuses, not only Django
    with pytest.raises(IntegrityError, match="ledger_account_not_overdrawn"), balance_guard_off():
        LedgerAccount.objects.filter(owner_id=client_id).update(balance=-1)  # past the guard, the CHECK still holds


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_never_overdraw(tbtc):
    """100 allocations of 1 from a balance of exactly 50, by 20 threads on their own connections at once (PostgreSQL
    allows 100 connections in all; CI and the test database need some)."""
    client_id = uuid.uuid4()
    deposit(client_id, tbtc, 50)
    connection_ids = [uuid.uuid4() for _ in range(100)]
    outcomes: list[str] = []
    workers = 20
    barrier = threading.Barrier(workers)

    @retry_on_conflict
    def allocate(connection_id):
        with transaction.atomic():
            ledger_post(
                kind="allocation",
                lines=transfer(source=available(client_id, tbtc), destination=held(connection_id, tbtc), amount=1),
            )

    def worker(share):
        barrier.wait()
        try:
            for connection_id in share:
                try:
                    allocate(connection_id)
                    outcomes.append("cleared")
                except InsufficientFunds:
                    outcomes.append("released")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(connection_ids[i::workers],)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["cleared"] * 50 + ["released"] * 50
    assert account_balance(available(client_id, tbtc)) == 0
    assert sum(account_balance(held(cid, tbtc)) for cid in connection_ids) == 50
    assert ledger_differences() == []
