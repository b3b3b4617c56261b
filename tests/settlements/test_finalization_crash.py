"""A process killed in the middle of `settlement_finalize` (SIGKILL right after its ledger posting was written, before
the statuses) leaves nothing behind, and the sweep claims the settlement again once its claim is stale: the re-run
finalizes it once. Real PostgreSQL, a real process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from allocations.models import LedgerTransaction
from settlements.models import Settlement, SettlementTransfer
from settlements.services.finalization import settlement_finalize, settlements_due_claim
from tests.factories.partners import ConnectionFactory
from tests.settlements.conftest import allocate, held, partner_account
from tests.settlements.pg import (
    assert_ledger_consistent,
    currency,
    database_url,
    fund_partner,
    v2_create,
    zero_windows,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REPO = Path(__file__).resolve().parents[2]

KILLER = """
import os, signal, sys
import django
django.setup()
from settlements.services import finalization

posted = finalization.ledger_post

def post_then_die(**kwargs):
    posting = posted(**kwargs)
    print("posted", posting.pk, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # mid-transaction: the posting is written, the statuses not yet

finalization.ledger_post = post_then_die
claimed = finalization.settlements_due_claim()  # the beat's sweep (committed), then the worker's task
assert [str(i) for i in claimed] == [sys.argv[1]], claimed
finalization.settlement_finalize(settlement_id=sys.argv[1])
"""


@pytest.fixture
def tbtc(db):
    return currency("tbtc")


def test_a_process_killed_mid_finalization_leaves_nothing_and_the_rerun_finalizes_once(
    partner, partner_key, client_record, tbtc, settings
):
    zero_windows(partner)
    fund_partner(partner, tbtc, 1_000)
    loser, gainer = (ConnectionFactory(client=client_record, partner=partner) for _ in range(2))
    allocate(loser, tbtc, 500)
    allocate(gainer, tbtc, 500)
    settlement = v2_create(partner, partner_key, {str(loser.pk): {"tbtc": "-200"}, str(gainer.pk): {"tbtc": "70"}})

    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", KILLER, str(settlement.pk)],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert process.returncode == -9, process.stdout[-2000:] + process.stderr[-2000:]
    assert process.stdout.startswith("posted ")  # it died after writing its posting, inside the transaction
    settlement.refresh_from_db()
    assert settlement.status == "pending" and settlement.posting_id is None
    assert settlement.finalization_enqueued_at is not None  # the sweep's claim was committed before
    assert set(SettlementTransfer.objects.values_list("status", flat=True)) == {"pending"}
    assert not LedgerTransaction.objects.filter(kind="settlement").exists()
    assert (held(loser, tbtc), held(gainer, tbtc), partner_account(partner, tbtc)) == (500, 500, 1_000)
    assert_ledger_consistent()

    # The claim is recent: the sweep leaves it to the task (whose message comes back to another worker)...
    assert settlements_due_claim() == []
    # ...and takes it again once the claim is older than SETTLEMENT_REENQUEUE_SECONDS (its message lost).
    settings.SETTLEMENT_REENQUEUE_SECONDS = 0
    assert settlements_due_claim() == [settlement.pk]
    assert settlement_finalize(settlement_id=settlement.pk) is not None
    assert settlement_finalize(settlement_id=settlement.pk) is None  # a redelivered message: nothing to do

    settlement.refresh_from_db()
    assert settlement.status == "completed" and settlement.posting_id is not None
    assert set(SettlementTransfer.objects.values_list("status", flat=True)) == {"completed"}
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 1
    assert (held(loser, tbtc), held(gainer, tbtc), partner_account(partner, tbtc)) == (300, 570, 1_130)
    assert Settlement.objects.get().pk == settlement.pk
    assert_ledger_consistent()
