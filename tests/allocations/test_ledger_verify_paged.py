"""ledger_verify reads the ledger in keyset pages (no server-side cursor, which a transaction-pooling PgBouncer cannot
keep between transactions) and from one snapshot: a posting committed while it reads is seen whole or not at all."""

import threading
import uuid

import pytest
from django.db import connection

from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef, LedgerAccount
from allocations.selectors import ledger as ledger_selectors
from allocations.selectors.ledger import ledger_differences
from allocations.services.ledger import ledger_post, transfer
from tests.allocations.conftest import balance_guard_off
from tests.factories.partners import CurrencyFactory


@pytest.fixture
def tbtc():
    return CurrencyFactory(code="tbtc", name="Testnet Bitcoin", decimals=8)


def deposit(owner, currency, amount):
    ledger_post(
        kind="deposit",
        lines=transfer(
            source=AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency),
            destination=AccountRef(owner, AccountKind.AVAILABLE, currency),
            amount=amount,
        ),
    )


@pytest.mark.django_db
def test_every_page_is_read_and_a_difference_on_the_last_one_is_found(tbtc, monkeypatch):
    monkeypatch.setattr(ledger_selectors, "CHUNK_SIZE", 2)
    owners = [uuid.uuid4() for _ in range(5)]
    for amount, owner in enumerate(owners, start=1):
        deposit(owner, tbtc, amount)  # 10 entries, 6 accounts: pages of 2, the last one full

    assert ledger_differences() == []

    last = LedgerAccount.objects.order_by("-id").first()
    with balance_guard_off():
        LedgerAccount.objects.filter(pk=last.pk).update(balance=int(last.balance) + 7)

    assert ledger_differences() == [
        f"account {last.pk}: balance {int(last.balance) + 7}, entries sum to {int(last.balance)}"
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_posting_committed_while_the_ledger_is_read_is_not_half_seen(tbtc, monkeypatch):
    """The posting commits after the entries were read and before the accounts are: read in two snapshots, its new
    balances would disagree with the entries read before it."""
    owner = uuid.uuid4()
    deposit(owner, tbtc, 100)
    pages = ledger_selectors._pages
    reads = []

    def post_from_another_connection():
        try:
            deposit(owner, tbtc, 50)
        finally:
            connection.close()

    def pages_then_post(rows):
        reads.append(rows.model)
        if len(reads) == 2:  # the entries are read; the accounts are next
            thread = threading.Thread(target=post_from_another_connection)
            thread.start()
            thread.join()
        return pages(rows)

    monkeypatch.setattr(ledger_selectors, "_pages", pages_then_post)

    assert ledger_differences() == []
    assert len(reads) == 2
    assert LedgerAccount.objects.get(owner_id=owner).balance == 150  # it did commit meanwhile
