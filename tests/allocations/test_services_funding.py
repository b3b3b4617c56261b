"""Funding: staff deposits credit a client's available account from outside the network, withdrawals debit it and
never overdraw; amounts are positive integers, a reason is required, and a refused movement writes nothing."""

import threading

import pytest
from django.db import connection

from allocations.errors import CurrencyInactive, InsufficientFunds
from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef, LedgerEntry, LedgerTransaction
from allocations.selectors.ledger import account_balance, ledger_differences
from allocations.services.funding import network_deposit, network_withdraw
from config.errors import ValidationFailed
from partners.models import Currency
from tests.factories.organizations import UserFactory
from tests.factories.partners import CurrencyFactory, NetworkClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tbtc():
    return Currency.objects.get(code="tbtc")


@pytest.fixture
def client():
    return NetworkClientFactory()


def available(client, currency) -> int:
    return account_balance(AccountRef(client.pk, AccountKind.AVAILABLE, currency))


def external(currency) -> int:
    return account_balance(AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency))


def written() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerEntry.objects.count()


def test_a_deposit_credits_the_available_account_with_its_reason_and_author(client, tbtc):
    staff = UserFactory(is_staff=True)
    posting = network_deposit(client=client, currency=tbtc, amount=150_000_000, memo=" Wire 42 ", created_by=staff)

    assert available(client, tbtc) == 150_000_000
    assert external(tbtc) == -150_000_000
    stored = LedgerTransaction.objects.get(pk=posting.pk)
    assert (stored.kind, stored.memo, stored.created_by) == ("deposit", "Wire 42", staff)
    assert sorted(int(e.amount) for e in stored.entries.all()) == [-150_000_000, 150_000_000]
    assert ledger_differences() == []


def test_a_withdrawal_debits_the_available_account(client, tbtc):
    network_deposit(client=client, currency=tbtc, amount=1_000, memo="in")
    posting = network_withdraw(client=client, currency=tbtc, amount=400, memo="payout 7")

    assert available(client, tbtc) == 600
    assert external(tbtc) == -600
    assert posting.kind == "withdrawal"
    assert ledger_differences() == []


def test_a_withdrawal_of_the_whole_balance_leaves_zero(client, tbtc):
    network_deposit(client=client, currency=tbtc, amount=1_000, memo="in")
    network_withdraw(client=client, currency=tbtc, amount=1_000, memo="out")
    assert available(client, tbtc) == 0


def test_an_overdraft_is_refused_and_nothing_is_written(client, tbtc):
    network_deposit(client=client, currency=tbtc, amount=1_000, memo="in")
    before = written()

    with pytest.raises(InsufficientFunds) as refused:
        network_withdraw(client=client, currency=tbtc, amount=1_001, memo="too much")

    assert refused.value.status == 422
    assert written() == before
    assert available(client, tbtc) == 1_000


def test_withdrawing_from_a_currency_never_funded_is_refused(client, tbtc):
    with pytest.raises(InsufficientFunds):
        network_withdraw(client=client, currency=tbtc, amount=1, memo="nothing there")
    assert written() == (0, 0)


@pytest.mark.parametrize("amount", [0, -5, True, 1.5, "100", 10**78])
def test_amounts_are_positive_integers_of_at_most_78_digits(client, tbtc, amount):
    with pytest.raises(ValidationFailed) as refused:
        network_deposit(client=client, currency=tbtc, amount=amount, memo="reason")
    assert refused.value.errors[0].field == "amount"
    assert written() == (0, 0)


def test_78_digit_amounts_are_exact(client, tbtc):
    huge = 10**78 - 1
    network_deposit(client=client, currency=tbtc, amount=huge, memo="whale")
    assert available(client, tbtc) == huge


@pytest.mark.parametrize("memo", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_bounded(client, tbtc, memo):
    with pytest.raises(ValidationFailed) as refused:
        network_deposit(client=client, currency=tbtc, amount=5, memo=memo)
    assert refused.value.errors[0].field == "memo"
    assert written() == (0, 0)


def test_no_deposit_in_an_inactive_currency_but_funds_can_still_leave(client, tbtc):
    network_deposit(client=client, currency=tbtc, amount=10, memo="in")
    Currency.objects.filter(pk=tbtc.pk).update(active=False)
    tbtc.refresh_from_db()

    with pytest.raises(CurrencyInactive):
        network_deposit(client=client, currency=tbtc, amount=5, memo="more")
    network_withdraw(client=client, currency=tbtc, amount=10, memo="wind down")
    assert available(client, tbtc) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_never_overdraw():
    """20 threads on their own connections each try 5 withdrawals of 1 from a balance of exactly 50 at once."""
    tbtc = CurrencyFactory(code="tbtc", decimals=8)  # another transactional test may have flushed the migration's
    client = NetworkClientFactory()
    network_deposit(client=client, currency=tbtc, amount=50, memo="float")
    outcomes: list[str] = []
    workers = 20
    barrier = threading.Barrier(workers)

    def worker():
        barrier.wait()
        try:
            for _ in range(5):
                try:
                    network_withdraw(client=client, currency=tbtc, amount=1, memo="race")
                    outcomes.append("withdrawn")
                except InsufficientFunds:
                    outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * 50 + ["withdrawn"] * 50
    assert available(client, tbtc) == 0
    assert external(tbtc) == 0
    assert LedgerTransaction.objects.filter(kind="withdrawal").count() == 50
    assert ledger_differences() == []
