"""Finalization under concurrency on real PostgreSQL (threads with their own connections, as
tests/allocations/test_allocating_postgres.py): against allocations and deallocations on the same connection, against
a client's dispute, and against itself and the beat's sweep. Each race runs for several rounds so both orders
happen; every round's outcome is checked against the balances, and the ledger is verified at the end."""

import random
import threading
from collections import Counter

import pytest
from django.db import OperationalError
from django.db import connection as db_connection

from allocations.models import LedgerTransaction
from allocations.payloads import AllocationFields
from allocations.services import allocations as allocation_services
from config.errors import DomainError
from settlements.errors import DisputeWindowClosed, SettlementFinal
from settlements.models import Dispute, Settlement, SettlementTransfer
from settlements.payloads import DisputeFields
from settlements.services.disputes import dispute_create
from settlements.services.finalization import settlement_finalize, settlements_due_claim
from tests.allocations.conftest import fund, signed_request
from tests.factories.partners import ConnectionFactory
from tests.settlements.conftest import allocate, dispute_body, held, partner_account
from tests.settlements.pg import assert_ledger_consistent, currency, fund_partner, v2_create, zero_windows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 12


@pytest.fixture
def tbtc(db):
    return currency("tbtc")


def run_together(*calls) -> list:
    """Runs the callables on one thread each, released together; returns each one's result or domain error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except (DomainError, OperationalError) as exc:  # OperationalError: a conflict the retries did not end
            results[i] = exc
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def client_request(service, connection, key, quantity: int):
    """A signed allocation or deallocation of `quantity` tbtc through `connection`, ready to run."""
    body = signed_request(connection, key, quantity=str(quantity))
    fields = AllocationFields(
        connection_id=connection.pk,
        currency="tbtc",
        quantity=quantity,
        client_external_id=body["clientExternalId"],
        nonce=body["nonce"],
    )
    enterprise = connection.client.enterprise
    return lambda: service(
        enterprise=enterprise, fields=fields, payload=body["payload"], signature=body["signature"], initiated_by="t"
    )


def test_finalization_racing_a_deallocation_and_an_allocation_never_overdraws_nor_loses_an_amount(
    partner, partner_key, client_record, signing_key, tbtc
):
    """Each round: a connection holds 100; its settlement takes 80 (another connection gains 30 from the partner)
    while the client takes 50 back and allocates 10 more, all at once. Whatever the order, exactly one of the loss
    and the deallocation goes through: the other is refused for the shortfall (the transfer `failed`, naming it;
    the deallocation `released`), the rest of the settlement completes, and the held balance is what the cleared
    movements say."""
    zero_windows(partner)
    fund_partner(partner, tbtc, 10_000)
    fund(client_record, tbtc, 10_000)
    gainer = ConnectionFactory(client=client_record, partner=partner, name="Gainer")
    outcomes = Counter()
    for round_ in range(ROUNDS):
        loser = ConnectionFactory(client=client_record, partner=partner, name=f"Loser {round_}")
        allocate(loser, tbtc, 100)
        settlement = v2_create(partner, partner_key, {str(loser.pk): {"tbtc": "-80"}, str(gainer.pk): {"tbtc": "30"}})
        gained_before = held(gainer, tbtc)

        finalized, deallocation, allocation = run_together(
            lambda s=settlement.pk: settlement_finalize(settlement_id=s),
            client_request(allocation_services.deallocation_create, loser, signing_key, 50),
            client_request(allocation_services.allocation_create, loser, signing_key, 10),
        )

        assert isinstance(finalized, Settlement), finalized
        assert allocation.status == "cleared", allocation.reason
        assert deallocation.status in {"cleared", "released"}
        loss = SettlementTransfer.objects.get(settlement=settlement, connection=loser)
        gain = SettlementTransfer.objects.get(settlement=settlement, connection=gainer)
        settlement.refresh_from_db()
        assert settlement.status == "completed" and settlement.posting_id is not None
        assert gain.status == "completed" and held(gainer, tbtc) == gained_before + 30
        # Never both refused (nothing lost), never both through (nothing overdrawn).
        assert (loss.status == "completed") != (deallocation.status == "cleared"), (loss.status, deallocation.status)
        if loss.status == "failed":
            assert "Insufficient tbtc funds" in loss.reason and loser.name in loss.reason and "80 needed" in loss.reason
        else:
            assert loss.status == "completed"
            assert "Insufficient" in deallocation.reason
        expected = 100 + 10 - 50 * (deallocation.status == "cleared") - 80 * (loss.status == "completed")
        assert held(loser, tbtc) == expected >= 0
        outcomes[loss.status] += 1
    completed = outcomes["completed"]
    assert partner_account(partner, tbtc) == 10_000 + 80 * completed - 30 * ROUNDS
    assert LedgerTransaction.objects.filter(kind="settlement").count() == ROUNDS
    assert_ledger_consistent()


def test_a_dispute_racing_finalization_either_holds_the_transfers_back_or_is_refused(
    partner, partner_key, client_record, signing_key, tbtc
):
    """Each round: a pending settlement (window open) moves on two connections of the client; the client disputes
    one of them while staff's "finalize now" runs. Exactly one wins: the dispute (the disputed connection's transfer
    is held back, `disputed`, nothing moved there; the other completes) or the finalization (everything moved; the
    dispute refused with SettlementFinal or DisputeWindowClosed, no dispute stored)."""
    partner.config.disputes_enabled = True
    partner.config.save()
    partner.client_dispute_window_minutes, partner.top_up_window_minutes = 60, 0
    partner.save()
    fund_partner(partner, tbtc, 10_000)
    other = ConnectionFactory(client=client_record, partner=partner, name="Other")
    allocate(other, tbtc, 1_000)
    winners = Counter()
    for round_ in range(ROUNDS):
        disputed = ConnectionFactory(client=client_record, partner=partner, name=f"Disputed {round_}")
        allocate(disputed, tbtc, 100)
        settlement = v2_create(partner, partner_key, {str(disputed.pk): {"tbtc": "-40"}, str(other.pk): {"tbtc": "-5"}})
        body = dispute_body(settlement.pk, disputed, signing_key)
        fields = DisputeFields(
            settlement_id=settlement.pk,
            connection_id=disputed.pk,
            expected_transfers={"tbtc": 100},
            nonce=body["nonce"],
            reason=body["reason"],
        )
        other_before = held(other, tbtc)

        finalized, dispute = run_together(
            lambda s=settlement.pk: settlement_finalize(settlement_id=s, force=True),
            lambda f=fields, b=body: dispute_create(
                enterprise=client_record.enterprise,
                fields=f,
                payload=b["payload"],
                signature=b["signature"],
                user_label="client",
            ),
        )

        assert isinstance(finalized, Settlement), finalized
        settlement.refresh_from_db()
        statuses = dict(SettlementTransfer.objects.filter(settlement=settlement).values_list("connection", "status"))
        assert settlement.status == "completed" and statuses[other.pk] == "completed"
        assert held(other, tbtc) == other_before - 5
        if isinstance(dispute, Dispute):
            winners["dispute"] += 1
            assert statuses[disputed.pk] == "disputed" and held(disputed, tbtc) == 100
            assert settlement.disputed
        else:
            winners["finalization"] += 1
            assert isinstance(dispute, SettlementFinal | DisputeWindowClosed), dispute
            assert statuses[disputed.pk] == "completed" and held(disputed, tbtc) == 60
            assert not Dispute.objects.filter(settlement=settlement).exists() and not settlement.disputed
    assert sum(winners.values()) == ROUNDS
    assert_ledger_consistent()


def test_two_finalizations_and_two_sweeps_at_once_finalize_each_settlement_once(
    partner, partner_key, client_record, tbtc
):
    """40 due settlements; two threads finalize every one of them (in different orders) while two sweeps claim them
    in batches of 5 and finalize what they claimed. Each settlement is finalized by exactly one call, with one
    posting; the sweeps never claim the same settlement twice."""
    zero_windows(partner)
    fund_partner(partner, tbtc, 100_000)
    connections = [ConnectionFactory(client=client_record, partner=partner) for _ in range(4)]
    for connection in connections:
        allocate(connection, tbtc, 10_000)
    rng = random.Random(7)
    settlements = [
        v2_create(
            partner,
            partner_key,
            {str(c.pk): {"tbtc": str(rng.choice([-1, 1]) * rng.randint(1, 50))} for c in connections},
        )
        for _ in range(40)
    ]
    ids = [s.pk for s in settlements]

    def finalize_all(order):
        return [s for s in (settlement_finalize(settlement_id=i) for i in order) if s is not None]

    def sweep():
        claimed, finalized = [], []
        while batch := settlements_due_claim(limit=5):
            claimed += batch
            finalized += [s for s in (settlement_finalize(settlement_id=i) for i in batch) if s is not None]
        return claimed, finalized

    first, second, sweep_a, sweep_b = run_together(
        lambda: finalize_all(ids), lambda: finalize_all(list(reversed(ids))), sweep, sweep
    )

    assert not isinstance(sweep_a, Exception) and not isinstance(sweep_b, Exception), (sweep_a, sweep_b)
    assert not set(sweep_a[0]) & set(sweep_b[0])
    finalized = [s.pk for s in first + second + sweep_a[1] + sweep_b[1]]
    assert sorted(finalized) == sorted(ids)  # each exactly once
    assert Counter(Settlement.objects.values_list("status", flat=True)) == {"completed": 40}
    postings = list(Settlement.objects.values_list("posting", flat=True))
    assert None not in postings and len(set(postings)) == 40
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 40
    for connection in connections:
        moved = sum(
            int(q) for q in SettlementTransfer.objects.filter(connection=connection).values_list("quantity", flat=True)
        )
        assert held(connection, tbtc) == 10_000 + moved
    assert_ledger_consistent()
