"""Allocations under concurrency and crashes, on real PostgreSQL (threads with their own connections; at most 20:
PostgreSQL has 100 connection slots and CI needs some)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from allocations.models import Allocation, LedgerTransaction
from allocations.payloads import AllocationFields, PartnerUpdateFields
from allocations.selectors.ledger import ledger_differences
from allocations.services import allocations as services
from config.errors import DomainError
from organizations.models import UsedNonce
from tests.allocations.conftest import balances, fund, partner_update, signed_request
from tests.factories.partners import CurrencyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 20
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tbtc(db):
    return CurrencyFactory(code="tbtc", decimals=8)  # flushed by transactional tests: made again when missing


def request_fields(connection, key, **kwargs) -> dict:
    """A signed request's fields, JSON-ready (the killed process builds its AllocationFields from them)."""
    body = signed_request(connection, key, **kwargs)
    amount = body.pop("amount")
    return {
        "enterprise": connection.client.enterprise,
        "connection_id": connection.pk,
        "currency": amount["currency"],
        "quantity": int(amount["quantity"]),
        "client_external_id": body.pop("clientExternalId"),
        "initiated_by": "test",
        **body,
    }


def service_kwargs(enterprise, initiated_by, payload, signature, **fields) -> dict:
    """`allocation_create`'s keyword arguments for the fields of `request_fields`."""
    fields = AllocationFields(**fields)
    return {
        "enterprise": enterprise,
        "fields": fields,
        "payload": payload,
        "signature": signature,
        "initiated_by": initiated_by,
    }


def request_kwargs(connection, key, **kwargs) -> dict:
    return service_kwargs(**request_fields(connection, key, **kwargs))


def run_concurrently(calls) -> list:
    """Runs the callables on WORKERS threads started together; returns each one's result or exception."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(WORKERS)

    def worker(indexes):
        barrier.wait()
        try:
            for i in indexes:
                try:
                    results[i] = calls[i]()
                except (DomainError, OperationalError) as exc:  # OperationalError: a conflict retries did not end
                    results[i] = exc
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(range(i, len(calls), WORKERS),)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_ledger_consistent():
    assert ledger_differences() == []
    call_command("ledger_verify")  # exits non-zero (CommandError) on any difference


def test_100_allocations_against_a_balance_covering_50(connection, signing_key, tbtc):
    fund(connection.client, tbtc, 50)
    requests = [request_kwargs(connection, signing_key, quantity="1") for _ in range(100)]
    results = run_concurrently([lambda r=r: services.allocation_create(**r) for r in requests])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Counter(r.status for r in results) == {"cleared": 50, "released": 50}
    assert Counter(Allocation.objects.values_list("status", flat=True)) == {"cleared": 50, "released": 50}
    assert balances(connection, tbtc) == {"available": 0, "held": 50, "reserved": 0}
    assert_ledger_consistent()


def test_mixed_allocations_and_deallocations_on_one_connection(connection, signing_key, tbtc):
    fund(connection.client, tbtc, 100)
    services.allocation_create(**request_kwargs(connection, signing_key, quantity="50"))
    calls = []
    for i in range(100):
        service = services.allocation_create if i % 2 else services.deallocation_create
        request = request_kwargs(connection, signing_key, quantity="3")
        calls.append(lambda s=service, r=request: s(**r))
    results = run_concurrently(calls)
    assert not [r for r in results if isinstance(r, Exception)]
    cleared = Counter(r.type for r in results if r.status == "cleared")
    held = 50 + 3 * cleared["allocation"] - 3 * cleared["deallocation"]
    assert balances(connection, tbtc) == {"available": 100 - held, "held": held, "reserved": 0}
    assert_ledger_consistent()


def partner_update_kwargs(allocation, partner_key, status, enterprise) -> dict:
    """`allocation_partner_update`'s keyword arguments: the partner clears or releases `allocation`, signed."""
    body = partner_update(allocation, partner_key, status=status, reason="no" if status == "released" else None)
    fields = PartnerUpdateFields(
        allocation_id=allocation.pk,
        currency="tbtc",
        quantity=int(allocation.quantity),
        client_id=allocation.client_id,
        connection_id=allocation.connection_id,
        partners_client_id=body["partnersClientId"],
        partners_connection_id=body["partnersConnectionId"],
        partners_allocation_id=body["partnersAllocationId"],
        status=status,
        reject_reason=body.get("rejectReason", ""),
        nonce=body["nonce"],
    )
    return {"enterprise": enterprise, "fields": fields, "payload": body["payload"], "signature": body["signature"]}


def test_a_partner_confirms_and_releases_while_the_client_deallocates(connection, signing_key, partner_key, tbtc):
    config = connection.partner.config
    config.async_allocations_enabled = True
    config.save()
    fund(connection.client, tbtc, 100)
    reserved = [services.allocation_create(**request_kwargs(connection, signing_key, quantity="1")) for _ in range(60)]
    assert balances(connection, tbtc) == {"available": 40, "held": 0, "reserved": 60}

    def update(allocation, status):
        kwargs = partner_update_kwargs(allocation, partner_key, status, connection.partner.enterprise)
        return lambda: services.allocation_partner_update(**kwargs)

    calls = []
    for i, allocation in enumerate(reserved):
        status = "cleared" if i % 2 else "released"
        calls += [update(allocation, status), update(allocation, status)]  # each update sent twice, concurrently
    deallocations = [request_kwargs(connection, signing_key, quantity="1") for _ in range(40)]
    calls += [lambda r=r: services.deallocation_create(**r) for r in deallocations]
    results = run_concurrently(calls)
    assert not [r for r in results if isinstance(r, Exception)], [r for r in results if isinstance(r, Exception)]
    assert Counter(Allocation.objects.filter(type="allocation").values_list("status", flat=True)) == {
        "cleared": 30,
        "released": 30,
    }
    # Exactly one clearing or release posting per reserved allocation, however many times it was sent.
    assert LedgerTransaction.objects.filter(kind__in=["clearing", "release"]).count() == 60
    deallocated = Allocation.objects.filter(type="deallocation", status="reserved").count()
    assert balances(connection, tbtc) == {
        "available": 40 + 30,
        "held": 30 - deallocated,
        "reserved": deallocated,
    }
    assert_ledger_consistent()


def test_concurrent_identical_retries_move_money_once(connection, signing_key, tbtc):
    fund(connection.client, tbtc, 1_000)
    request = request_kwargs(connection, signing_key, quantity="10")
    results = run_concurrently([lambda: services.allocation_create(**request) for _ in range(WORKERS)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.pk for r in results} == {Allocation.objects.get().pk}
    assert balances(connection, tbtc) == {"available": 990, "held": 10, "reserved": 0}
    assert UsedNonce.objects.count() == 1
    assert_ledger_consistent()


KILLED = """
import json, sys
import django
django.setup()
from allocations.services import allocations as services
from organizations.models import Organization

request = json.loads(sys.stdin.read())
enterprise = Organization.objects.get(pk=request.pop("enterprise"))
payload, signature, initiated_by = request.pop("payload"), request.pop("signature"), request.pop("initiated_by")
fields = services.AllocationFields(**request)
services.allocation_create(
    enterprise=enterprise, fields=fields, payload=payload, signature=signature, initiated_by=initiated_by
)
"""


@pytest.mark.parametrize("server", ["ends the session", "finishes the statement"])
def test_a_process_killed_mid_allocation_leaves_all_or_nothing(connection, signing_key, tbtc, server):
    """On PostgreSQL an allocation is written by one statement (`allocation_record`) in autocommit: no point of the
    Python process lies between its writes. So the process is killed while that statement is inside PostgreSQL,
    its nonce already inserted and the posting waiting for the client's account, which this test holds locked. Then
    either the server ends the session mid-statement (a crash on that side, or PostgreSQL noticing the lost
    client): nothing is left; or the statement runs to its end once the lock is free: the whole allocation is left.
    Never a part of it, and the same request sent again moves the money once."""
    fund(connection.client, tbtc, 1_000)
    request = request_fields(connection, signing_key, quantity="10")
    retry = service_kwargs(**request)
    request |= {"enterprise": str(request["enterprise"].pk), "connection_id": str(request["connection_id"])}
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    with transaction.atomic(), db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM allocations_ledgeraccount WHERE owner_id = %s AND kind = 'available' FOR UPDATE",
            [connection.client_id],
        )
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", KILLED],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
            text=True,
        )
        process.stdin.write(json.dumps(request))
        process.stdin.close()
        backend = None
        for _ in range(600):  # up to 60 s: the child starts Django, then blocks on the lock
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the transaction's first view, again and again
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND query LIKE %s",
                ["%allocation_record(%"],
            )
            row = cursor.fetchone()
            if row is not None:
                backend = row[0]
                break
            assert process.poll() is None, process.stderr.read()[-2000:]
            time.sleep(0.1)
        assert backend is not None, "the allocation never reached the locked account"
        process.kill()
        assert process.wait(timeout=30) == -signal.SIGKILL
        if server == "ends the session":
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    if server == "finishes the statement":  # the lock is free: the orphaned statement ends (and commits)
        for _ in range(300):
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND state = 'active'", [backend])
                if cursor.fetchone()[0] == 0:
                    break
            time.sleep(0.1)

    if server == "ends the session":
        assert not Allocation.objects.exists()
        assert not UsedNonce.objects.exists()
        assert list(LedgerTransaction.objects.values_list("kind", flat=True)) == ["deposit"]
        assert balances(connection, tbtc) == {"available": 1_000, "held": 0, "reserved": 0}
    else:
        assert Allocation.objects.get().status == "cleared"
        assert UsedNonce.objects.count() == 1
        assert Counter(LedgerTransaction.objects.values_list("kind", flat=True)) == {"deposit": 1, "allocation": 1}
        assert balances(connection, tbtc) == {"available": 990, "held": 10, "reserved": 0}
    assert_ledger_consistent()
    # The same request, sent again: recorded now, or answered from the original; the money moves once.
    assert services.allocation_create(**retry).status == "cleared"
    assert Allocation.objects.count() == 1
    assert balances(connection, tbtc) == {"available": 990, "held": 10, "reserved": 0}
    assert_ledger_consistent()


def test_a_posting_locks_its_accounts_not_their_currency(connection, signing_key, tbtc):
    """Locking the currency row too (FOR UPDATE over the join) made every posting in a currency queue on that row,
    and deadlock when another posting held it while waiting for an account this one held."""
    fund(connection.client, tbtc, 10)
    posted, release = threading.Event(), threading.Event()

    def hold_a_posting_open():
        try:
            with transaction.atomic():
                services.allocation_create(**request_kwargs(connection, signing_key, quantity="1"))
                posted.set()
                release.wait(10)
        finally:
            db_connection.close()

    thread = threading.Thread(target=hold_a_posting_open)
    thread.start()
    try:
        assert posted.wait(10)
        with transaction.atomic(), db_connection.cursor() as cursor:
            cursor.execute("SELECT id FROM partners_currency WHERE id = %s FOR UPDATE NOWAIT", [tbtc.pk])
    finally:
        release.set()
        thread.join()


def test_an_allocation_costs_two_statements(connection, signing_key, tbtc):
    """The hot path's round trips, counted (not timed), in autocommit: the connection with its partner, the currency
    with its support and the enterprise's signing keys (one statement), then the `allocation_record` function
    (nonce, accounts locked, balances, transaction, entries, allocation). No BEGIN or COMMIT: the one write is one
    statement. A change that adds one (a savepoint, a look-up) fails here and should say why in the README's
    benchmark notes."""
    fund(connection.client, tbtc, 1_000)
    services.allocation_create(**request_kwargs(connection, signing_key, quantity="1"))  # the accounts exist now
    with CaptureQueriesContext(db_connection) as statements:
        allocation = services.allocation_create(**request_kwargs(connection, signing_key, quantity="1"))
    assert allocation.status == "cleared"
    assert len(statements.captured_queries) == 2, [q["sql"][:80] for q in statements.captured_queries]
    assert not [q for q in statements.captured_queries if "SAVEPOINT" in q["sql"]]


def test_a_partner_update_costs_two_statements(connection, signing_key, partner_key, tbtc):
    """The partner's clearing, counted as the allocation is: the allocation with its currency, connection and the
    partner's signing keys (one statement), then the `allocation_complete` function (row locked, nonce, posting,
    the allocation's new status). The same update again reads, answers the same and writes nothing."""
    config = connection.partner.config
    config.async_allocations_enabled = True
    config.save()
    fund(connection.client, tbtc, 10)
    reserved = services.allocation_create(**request_kwargs(connection, signing_key, quantity="3"))
    update = partner_update_kwargs(reserved, partner_key, "cleared", connection.partner.enterprise)

    with CaptureQueriesContext(db_connection) as statements:
        cleared = services.allocation_partner_update(**update)
    assert len(statements.captured_queries) == 2, [q["sql"][:80] for q in statements.captured_queries]
    assert cleared.status == "cleared" and cleared.partner_external_id == f"p-{reserved.pk}"
    stored = Allocation.objects.get(pk=reserved.pk)
    assert (stored.status, stored.completion_id, stored.updated_at) == (
        "cleared",
        cleared.completion_id,
        cleared.updated_at,
    )
    assert balances(connection, tbtc) == {"available": 7, "held": 3, "reserved": 0}

    with CaptureQueriesContext(db_connection) as statements:
        again = services.allocation_partner_update(**update)
    assert again.status == "cleared" and len(statements.captured_queries) == 1
    assert UsedNonce.objects.filter(organization=connection.partner.enterprise).count() == 1
    assert LedgerTransaction.objects.filter(kind="clearing").count() == 1
    assert_ledger_consistent()
