"""v2 settlements finalized by the real parts: `celery beat` (the sweep every second) and Celery worker processes on
Redis, PostgreSQL. One worker is SIGKILLed in the middle of a finalization (held inside its transaction, after its
ledger posting, by a trigger waiting on an advisory lock the test holds); another worker is started, and every
settlement completes exactly once. And the settlement notice reaches each client once, however often its task runs.

The paused finalization: a BEFORE UPDATE trigger on the settlement's row, for the one settlement chosen and only when
its status leaves `pending` (the sweep's claims update the row too), takes `pg_advisory_xact_lock_shared` of a key
the test holds exclusively. The worker that runs it is found by its connection's `application_name` (each worker's
DATABASE_URL names it)."""

import datetime
import random
import time
import uuid
from collections import defaultdict

import psycopg
import pytest
from django.db import connection as db_connection
from django.urls import NoReverseMatch, reverse

from allocations.models import LedgerTransaction
from config.celery import app
from settlements.models import Settlement, SettlementNotice, SettlementTransfer
from settlements.tasks import settlement_notice_send
from tests.factories.organizations import MembershipFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory
from tests.settlements.conftest import allocate, held, partner_account
from tests.settlements.pg import assert_ledger_consistent, currency, database_url, fund_partner, v2_create, zero_windows
from tests.smtp import SmtpServer
from tests.workers import Beat, Worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SETTLEMENTS = 200
HELD = 1_000_000
PARTNER_FUNDS = 1_000_000
PAUSE_KEY = 731_337


@pytest.fixture
def tbtc(db):
    return currency("tbtc")


@pytest.fixture
def processes(tmp_path):
    """start_worker(name, **env) and start_beat(**env); everything stopped at the end, and the broker left clean."""
    app.control.purge()
    started: list = []

    def start_worker(name: str, **env) -> Worker:
        # The sweep runs on the workers: a claim older than 5 s (its message lost with a killed worker) is renewed.
        env = {"SETTLEMENT_REENQUEUE_SECONDS": "5", "LOG_LEVEL": "INFO", **env}
        worker = Worker(name=name, DATABASE_URL=database_url(application_name=name), **env)
        started.append(worker)
        worker.wait_until_ready()
        return worker

    def start_beat(**env) -> Beat:
        beat = Beat(tmp_path / "beat-schedule", DATABASE_URL=database_url(application_name="beat"), **env)
        started.append(beat)
        return beat

    yield start_worker, start_beat
    for process in started:
        if process.process.poll() is None:
            process.stop()
    app.control.purge()
    # A killed worker's unacknowledged message would come back to a later run's worker an hour from now.
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("unacked", "unacked_index")


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def completed() -> int:
    return Settlement.objects.filter(status="completed").count()


def test_200_settlements_finalize_exactly_once_with_a_worker_killed_mid_finalization(
    processes, partner, partner_key, tbtc
):
    start_worker, start_beat = processes
    zero_windows(partner)
    fund_partner(partner, tbtc, PARTNER_FUNDS)
    clients = [NetworkClientFactory() for _ in range(3)]
    connections = [ConnectionFactory(client=c, partner=partner) for c in clients for _ in range(2)]
    for connection in connections:
        allocate(connection, tbtc, HELD)
    rng = random.Random(2026)
    base = time.time()
    settlements = []
    for i in range(SETTLEMENTS):
        amounts = {
            str(c.pk): {"tbtc": str(rng.choice([-1, 1]) * rng.randint(1, 1_000))} for c in rng.sample(connections, 3)
        }
        cutoff = datetime_at(base - (SETTLEMENTS - i))  # due in this order: the sweep claims by due time
        settlements.append(v2_create(partner, partner_key, amounts, cutoff_at=cutoff))
    expected = defaultdict(int)
    for transfer in SettlementTransfer.objects.all():
        expected[transfer.connection_id] += int(transfer.quantity)
    app.control.purge()  # the settlement notices' tasks: not what this test is about
    paused = settlements[SETTLEMENTS // 3]

    # The test's lock belongs to a transaction it keeps open, not to a session: behind a transaction-pooling PgBouncer
    # (DATABASE_POOLER) only an open transaction keeps its server session, and a session lock left in one would stay
    # with whichever client PgBouncer lends that session next. The waits are watched from another connection (a
    # transaction sees pg_stat_activity as it first read it), which prepares nothing: psycopg would prepare the query
    # it repeats, in a session PgBouncer lends to someone else next (as the settings do for Django's connections).
    with (
        psycopg.connect(database_url(application_name="test-lock")) as lock,
        psycopg.connect(database_url(application_name="test-watch"), autocommit=True, prepare_threshold=None) as watch,
    ):
        lock.execute("SELECT pg_advisory_xact_lock(%s)", [PAUSE_KEY])
        with db_connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION pn_test_pause() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_advisory_xact_lock_shared({PAUSE_KEY}); RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER pn_test_pause BEFORE UPDATE ON settlements_settlement FOR EACH ROW "
                f"WHEN (OLD.status = 'pending' AND NEW.status <> 'pending' AND NEW.id = '{paused.pk}') "
                "EXECUTE FUNCTION pn_test_pause()"
            )
        try:
            workers = {name: start_worker(name) for name in ("worker-a", "worker-b")}
            start_beat(SETTLEMENT_FINALIZE_SWEEP_SECONDS="1")

            def blocked_worker():
                row = watch.execute(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = %s",
                    [PAUSE_KEY],
                ).fetchone()
                return row and row[0]

            name = wait_until(blocked_worker, 120, "a worker finalizing the paused settlement")
            # It is inside its transaction, past its ledger posting: nothing of it is visible.
            assert Settlement.objects.get(pk=paused.pk).status == "pending"
            assert completed() >= SETTLEMENTS // 3 - 10  # the others went on before it
            workers[name].kill()
            killed_at = time.time()
            lock.commit()  # releases the lock
            replacement = start_worker("worker-c")
            # The sweep claims the paused settlement again once its claim is stale (its message was lost).
            wait_until(lambda: completed() == SETTLEMENTS, 180, f"{SETTLEMENTS} completed settlements")
        finally:
            with db_connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS pn_test_pause ON settlements_settlement")
                cursor.execute("DROP FUNCTION IF EXISTS pn_test_pause()")

    assert Settlement.objects.get(pk=paused.pk).finalized_at.timestamp() > killed_at
    postings = list(Settlement.objects.values_list("posting", flat=True))
    assert None not in postings and len(set(postings)) == SETTLEMENTS  # one posting each
    assert LedgerTransaction.objects.filter(kind="settlement").count() == SETTLEMENTS  # and no other
    assert set(SettlementTransfer.objects.values_list("status", flat=True)) == {"completed"}
    for connection in connections:
        assert held(connection, tbtc) == HELD + expected[connection.pk]
    assert partner_account(partner, tbtc) == PARTNER_FUNDS - sum(expected.values())
    assert_ledger_consistent()
    # Each settlement was finalized by one task run (True); the others that ran for it found nothing to do (False).
    finalized = sum(finalize_runs(w.text(), "True") for w in [*workers.values(), replacement])
    assert finalized == SETTLEMENTS


def finalize_runs(text: str, result: str) -> int:
    return sum(
        1
        for line in text.splitlines()
        if "settlements.finalize[" in line and "succeeded in" in line and line.rstrip().endswith(f": {result}")
    )


def datetime_at(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def _notice_link_exists() -> bool:
    """The notice links to the client's settlement page (`settlements:client-detail`), which the settlement pages
    (branch settlement-pages) add; without it every notice fails to render."""
    try:
        reverse("settlements:client-detail", args=[uuid.uuid4()])
    except NoReverseMatch:
        return False
    return True


@pytest.mark.skipif(not _notice_link_exists(), reason="needs the URL settlements:client-detail (the settlement pages)")
def test_the_settlement_notice_reaches_each_client_once(processes, partner, partner_key, tbtc):
    start_worker, _ = processes
    smtp = SmtpServer()
    smtp.start()
    try:
        zero_windows(partner)
        fund_partner(partner, tbtc, 1_000)
        clients = [NetworkClientFactory() for _ in range(2)]
        emails = {}
        for client in clients:
            owner = MembershipFactory(organization=client.enterprise, role="owner").user
            admin = MembershipFactory(organization=client.enterprise, role="admin").user
            MembershipFactory(organization=client.enterprise, role="viewer")  # not told
            emails[client.pk] = {owner.email, admin.email}
        # The first client has two connections in the settlement: still one notice for it.
        connections = [ConnectionFactory(client=clients[0], partner=partner) for _ in range(2)]
        connections.append(ConnectionFactory(client=clients[1], partner=partner))
        for connection in connections:
            allocate(connection, tbtc, 100)
        app.control.purge()
        mailer = start_worker("mailer", EMAIL_URL=smtp.url, PUBLIC_BASE_URL="http://testserver", LOG_FORMAT="json")

        settlement = v2_create(partner, partner_key, {str(c.pk): {"tbtc": "-10"} for c in connections})

        messages = smtp.inbox.wait_for(2)
        wait_until(lambda: SettlementNotice.objects.filter(sent_at__isnull=False).count() == 2, 30, "two notices sent")
        assert sorted(sorted(m["To"].split(", ")) for m in messages) == sorted(sorted(e) for e in emails.values())
        assert all(settlement.external_id in m["Subject"] for m in messages)
        # The same notices' tasks again (a redelivery, a retry): nothing more is sent.
        for notice in SettlementNotice.objects.all():
            settlement_notice_send.delay(str(notice.pk))
        for _ in range(2):
            mailer.json_line(lambda r: "not sending it again" in r.get("message", ""), timeout=30)
        time.sleep(1)
        assert smtp.inbox.count() == 2
        assert SettlementNotice.objects.count() == 2
    finally:
        smtp.stop()
