"""Allocation benchmark (issue #7): the full allocation service and its HTTP endpoint on PostgreSQL, beside baselines
measured in the same run on the same server.

    make bench                       # the other modes, then this
    .venv/bin/python bench/allocations_bench.py [--quick] [--scale 10000000] [--workers 8] [--duration 5]

All in one run, in its own database `<BENCH_DB_NAME or pn_bench>_alloc` (or BENCH_ALLOC_DB_NAME), dropped and made
anew each run, on the PostgreSQL server of BENCH_DATABASE_URL or DATABASE_URL (http_bench.py's rules):
1. service level: `allocation_create` (signature check, nonce, idempotency, ledger posting) from `--workers` forked
   processes, each with its own database connection, its own client enterprise and connection (requests signed in
   advance), as allocations/s and latency percentiles; beside pgbench TPC-B (scale 10, 8 clients) on the same server
   and the pure-SQL ledger (bench/sql_ledger.py: a two-account transfer as one PL/pgSQL call, 8 pgbench clients, as
   long as TPC-B); then once more with the workers' connections through a PgBouncer this run starts (transaction
   pooling, `--pgbouncer-pool` server connections; skipped with a note when pgbouncer is not installed);
2. HTTP level: gunicorn with the production settings (bench/harness.py, as http_bench.py) serving signed allocation
   requests made in advance (wrk with bench/wrk_bodies.lua, each request sent once), beside the authenticated indexed
   read `GET .../clients/allocations/{id}`; requests/s, p50/p95/p99 and their ratio;
3. scale: the service-level p95 with 1,000 existing allocations (step 1) and again after a generator has filled the
   allocations and ledger tables to `--scale` (default 10,000,000; `--quick`: 100,000) in bulk INSERT ... SELECT
   generate_series, in transactions of 200,000, its progress and time printed.
Prints a table with the issue's targets and writes JSON under bench/results/. PostgreSQL is required: without it the
run stops with a message and a non-zero exit.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime

import sql_ledger
from harness import (
    BENCH,
    RESULTS,
    ROOT,
    check,
    create_database,
    database_url,
    gunicorn,
    machine,
    pgbench,
    pgbouncer,
    server_env,
)
from harness import wrk as run_wrk

DB_NAME = os.environ.get("BENCH_ALLOC_DB_NAME") or f"{os.environ.get('BENCH_DB_NAME', 'pn_bench')}_alloc"
PGBENCH_DB_NAME = f"{DB_NAME}_pgbench"
TARGETS = {
    "service/tpcb": 0.25,  # service-level allocations/s ≥ 25% of TPC-B tps
    "service/sql_ledger": 0.5,  # service-level allocations/s ≥ 0.5 x the pure-SQL ledger's transfers/s
    "http alloc/read": 0.50,  # HTTP allocation requests/s ≥ 50% of the read's
    "p95_ms": 50.0,  # p95 < 50 ms at 8 clients
    "p95 large/small": 1.2,  # p95 at 10,000,000 existing allocations ≤ 1.2 x p95 at 1,000
}
CURRENCY = "tbtc"
FUNDS = 10**15


def fresh_database() -> None:
    """Drops and makes the bench database, so every run starts from the same empty state."""
    import psycopg

    try:
        conn = psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"The allocation benchmark needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, a role that may create "
            f"databases): {exc}"
        ) from None
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    create_database(DB_NAME)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99), "max_ms": ordered[-1] * 1000}


# --- the world: a partner and funded client enterprises, each with a connection, a signing key and a token ---------


def seed(clients: int) -> dict:
    from allocations.services.funding import network_deposit
    from organizations.tokens import token_issue_for_client
    from partners.models import Currency
    from tests.factories.organizations import (
        ApiClientFactory,
        LicenseFactory,
        OrganizationFactory,
        SigningKeyFactory,
    )
    from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory

    currency = Currency.objects.get(code=CURRENCY)
    partner = PartnerFactory(name="Bench Partner")
    LicenseFactory(organization=partner.enterprise)
    partner.config.supported_currencies.add(currency)
    world = []
    for n in range(clients):
        enterprise = OrganizationFactory(name=f"Bench Client {n}")
        LicenseFactory(organization=enterprise)
        key = SigningKeyFactory(organization=enterprise)
        client = NetworkClientFactory(enterprise=enterprise)
        connection = ConnectionFactory(client=client, partner=partner)
        network_deposit(client=client, currency=currency, amount=FUNDS, memo="bench funds")
        api_client = ApiClientFactory(organization=enterprise, permissions=["READ_NETWORK", "WRITE_NETWORK"])
        token = token_issue_for_client(api_client=api_client).access_token
        world.append({"enterprise": enterprise, "key": key, "connection": connection, "token": token})
    return {"partner": partner, "currency": currency, "clients": world}


def signed(connection, key) -> dict:
    """A signed allocation body of 1 base unit, laid out as the reference SDK's prepareAllocation."""
    from organizations.signing import sign_message

    fields = {
        "connectionId": str(connection.pk),
        "amount": {"currency": CURRENCY, "quantity": "1"},
        "clientExternalId": str(uuid.uuid4()),
        "nonce": uuid.uuid4().hex,
    }
    payload = json.dumps(fields, separators=(",", ":"))
    body = {name: value for name, value in fields.items() if name != "connectionId"}
    return {**body, "payload": payload, "signature": sign_message(key.private_key, payload)}


def allocate(client: dict, body: dict):
    """`allocation_create` of a signed body (`signed`) through the client's connection."""
    from allocations.payloads import AllocationFields
    from allocations.services.allocations import allocation_create

    fields = AllocationFields(
        connection_id=client["connection"].pk,
        currency=CURRENCY,
        quantity=1,
        client_external_id=body["clientExternalId"],
        nonce=body["nonce"],
    )
    return allocation_create(
        enterprise=client["enterprise"],
        fields=fields,
        payload=body["payload"],
        signature=body["signature"],
        initiated_by="bench",
    )


# --- service level ------------------------------------------------------------------------------------------------


def _service_worker(client: dict, requests: list[dict], ready, results) -> None:
    """One worker process: its own database connection, its requests one after the other, each timed."""
    from django.db import connections

    latencies, failures = [], []
    try:
        connections["default"].ensure_connection()
        ready.wait()
        for body in requests:
            started = time.perf_counter()
            allocation = allocate(client, body)
            latencies.append(time.perf_counter() - started)
            if allocation.status != "cleared":
                failures.append(f"{allocation.status}: {allocation.reason}")
    except Exception as exc:  # reported by the parent: the run fails
        failures.append(repr(exc))
        ready.abort()
    finally:
        connections.close_all()
        results.put({"latencies": latencies, "failures": failures})


def service_run(world: dict, *, workers: int, per_worker: int) -> dict:
    """`per_worker` allocations from each of `workers` processes (forked: no shared interpreter lock; each its own
    database connection and its own client and connection), timed one by one; allocations/s over the whole run."""
    import multiprocessing
    import queue

    from django.db import connections

    jobs = []
    for client in world["clients"][:workers]:
        jobs.append((client, [signed(client["connection"], client["key"]) for _ in range(per_worker)]))
    connections.close_all()  # a forked child must not share the parent's socket
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(len(jobs) + 1)
    results = context.Queue()
    processes = [context.Process(target=_service_worker, args=(c, r, ready, results)) for c, r in jobs]
    for process in processes:
        process.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker that failed says so in its outcome
        ready.wait(timeout=120)
    started = time.perf_counter()
    outcomes = []
    try:
        for _ in processes:
            outcomes.append(results.get(timeout=600))
    except queue.Empty:
        raise SystemExit("a service-level worker did not finish within 600 s") from None
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(timeout=30)
    failures = [f for outcome in outcomes for f in outcome["failures"]]
    if failures:
        raise SystemExit(f"allocations failed during the service-level run: {failures[:5]}")
    samples = [s for outcome in outcomes for s in outcome["latencies"]]
    return {
        "allocations": len(samples),
        "workers": len(jobs),
        "processes": True,
        "seconds": elapsed,
        "per_s": len(samples) / elapsed,
        **percentiles(samples),
    }


def service_through_pgbouncer(world: dict, *, workers: int, per_worker: int, pool_size: int) -> dict:
    """`service_run` once more with every worker's connection going through a PgBouncer started for it (transaction
    pooling, at most `pool_size` server connections), with Django's server-side cursors off as PgBouncer needs;
    the direct connection settings come back afterwards. {"not_measured": why} when pgbouncer is not installed."""
    from django.conf import settings
    from django.db import connections

    with pgbouncer(DB_NAME, pool_size=pool_size) as port:
        if port is None:
            return {"not_measured": "pgbouncer is not installed (apt-get install pgbouncer)"}
        database = connections["default"].settings_dict
        direct = {key: database.get(key) for key in ("HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS", "OPTIONS")}
        connections.close_all()
        # What DATABASE_POOLER=pgbouncer sets (config/settings/base.py): no server-side cursors, nothing prepared.
        database.update(
            HOST="127.0.0.1",
            PORT=port,
            DISABLE_SERVER_SIDE_CURSORS=True,
            OPTIONS={**database.get("OPTIONS", {}), "prepare_threshold": None},
        )
        pooler, settings.DATABASE_POOLER = settings.DATABASE_POOLER, "pgbouncer"
        try:
            connections["default"].ensure_connection()
            if connections["default"].connection.info.port != port:
                raise SystemExit("the PgBouncer run did not connect through PgBouncer")
            service_run(world, workers=workers, per_worker=20)  # warm-up: PgBouncer's server connections
            result = service_run(world, workers=workers, per_worker=per_worker)
        finally:
            connections.close_all()
            database.update(direct)
            settings.DATABASE_POOLER = pooler
    return {**result, "pool_mode": "transaction", "server_connections": pool_size}


# --- scale: existing allocations, generated in bulk -----------------------------------------------------------------


def generate(world: dict, history: dict, target: int) -> float:
    """Fills the allocations (and their postings in the ledger) up to `target` rows, as cleared allocations of 1 unit
    from the history client's available account to its connection's held account. Each posting is balanced and the
    two accounts' balances are moved by the same totals, so the ledger stays consistent; the deferred per-row balance
    trigger is switched off for the bulk insert only (the table's owner may) and the balance is checked here instead,
    in one statement. Returns the seconds taken."""
    from django.db import connection, transaction

    from allocations.models import AccountKind, Allocation, LedgerAccount

    started = time.perf_counter()
    missing = target - Allocation.objects.count()
    if missing <= 0:
        return 0.0
    conn = history["connection"]
    currency = world["currency"]
    available = LedgerAccount.objects.get(owner_id=conn.client_id, kind=AccountKind.AVAILABLE, currency=currency)
    held = LedgerAccount.objects.get(owner_id=conn.network_account_id, kind=AccountKind.HELD, currency=currency)
    step = 200_000
    done = 0
    print(f"generating {missing:,} allocations (to {target:,}) in transactions of {step:,} ...", flush=True)
    while done < missing:
        count = min(step, missing - done)
        params = {
            "n": count,
            "offset": done + target,
            "available": available.pk,
            "held": held.pk,
            "connection": conn.pk,
            "client": conn.client_id,
            "partner": conn.partner_id,
            "currency": currency.pk,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE allocations_ledgerentry DISABLE TRIGGER ledger_entry_balanced")
            # Django's foreign keys are deferred: checked now instead, so no event is pending at the re-enabling.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "CREATE TEMP TABLE bench_gen ON COMMIT DROP AS SELECT gen_random_uuid() AS tx, "
                "gen_random_uuid() AS alloc, i, now() - make_interval(secs => i) AS at "
                "FROM generate_series(%(offset)s, %(offset)s + %(n)s - 1) AS i",
                params,
            )
            # Each insert in the order of its table's random-UUID key: the index's pages are visited in order rather
            # than at random, so a batch dirties (and writes to the WAL) fewer of them as the tables grow.
            cursor.execute(
                "INSERT INTO allocations_ledgertransaction (id, kind, memo, created_by_id, created_at) "
                "SELECT tx, 'allocation', 'allocation ' || alloc, NULL, at FROM bench_gen ORDER BY tx",
            )
            cursor.execute(
                "INSERT INTO allocations_ledgerentry (transaction_id, account_id, amount, created_at) "
                "SELECT tx, %(available)s, -1, at FROM bench_gen UNION ALL SELECT tx, %(held)s, 1, at FROM bench_gen "
                "ORDER BY 1",
                params,
            )
            cursor.execute(
                "INSERT INTO allocations_allocation (id, type, connection_id, client_id, partner_id, currency_id, "
                "quantity, status, reason, reason_code, retriable, client_external_id, partner_external_id, "
                "initiated_by, notes, nonce, payload, signature, request_hash, posting_id, completion_id, created_at, "
                "updated_at) SELECT alloc, 'allocation', %(connection)s, %(client)s, %(partner)s, %(currency)s, 1, "
                "'cleared', '', '', false, 'history-' || i, '', 'bench generator', '', 'history-' || i, '{}', '', '', "
                "tx, NULL, at, at FROM bench_gen ORDER BY alloc",
                params,
            )
            cursor.execute(
                "SELECT count(*) FROM (SELECT e.transaction_id FROM allocations_ledgerentry e "
                "JOIN bench_gen g ON g.tx = e.transaction_id GROUP BY e.transaction_id HAVING sum(e.amount) <> 0) u"
            )
            if cursor.fetchone()[0]:
                raise SystemExit("the generator made an unbalanced posting")
            # The balances move by the batch's totals in one UPDATE: the one writer ledger_post() is bypassed by
            # opening the balance guard's door for this transaction (allocations/migrations/0005), as it does.
            cursor.execute("SELECT set_config('ledger.posting', 'on', true)")
            cursor.execute(
                "UPDATE allocations_ledgeraccount SET balance = balance + CASE id WHEN %(available)s THEN -%(n)s "
                "ELSE %(n)s END, updated_at = now() WHERE id IN (%(available)s, %(held)s)",
                params,
            )
            cursor.execute("ALTER TABLE allocations_ledgerentry ENABLE TRIGGER ledger_entry_balanced")
        done += count
        if done % 1_000_000 == 0 and done < missing:
            print(f"  {done:,} of {missing:,} in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE allocations_allocation")
        cursor.execute("ANALYZE allocations_ledgerentry")
        cursor.execute("ANALYZE allocations_ledgertransaction")
    return time.perf_counter() - started


def ledger_consistent() -> bool:
    """Every account's balance is the sum of its entries (one aggregate in SQL: fine at a million rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM allocations_ledgeraccount a LEFT JOIN (SELECT account_id, sum(amount) AS total "
            "FROM allocations_ledgerentry GROUP BY account_id) s ON s.account_id = a.id "
            "WHERE a.balance <> coalesce(s.total, 0) OR (a.kind <> 'external' AND a.balance < 0)"
        )
        return cursor.fetchone()[0] == 0


# --- HTTP level ------------------------------------------------------------------------------------------------------


def http_run(world: dict, env: dict[str, str], args) -> dict:
    clients = world["clients"]
    # Enough requests that the run never spends them: a generous ceiling on what gunicorn answers per second.
    per_client = int(args.http_ceiling * args.duration / len(clients)) + 1
    lines = []
    for _ in range(per_client):
        for client in clients:
            enterprise, connection = client["enterprise"], client["connection"]
            path = f"/api/network/v1/enterprises/{enterprise.pk}/clients/connections/{connection.pk}/allocations"
            lines.append(f"{path}\tBearer {client['token']}\t{json.dumps(signed(connection, client['key']))}")
    bodies = tempfile.NamedTemporaryFile("w", prefix="bench-alloc-", suffix=".tsv", delete=False)  # noqa: SIM115
    bodies.write("\n".join(lines) + "\n")
    bodies.close()
    reader = clients[0]
    allocation = allocate(reader, signed(reader["connection"], reader["key"]))
    read_headers = {"X-Forwarded-Proto": "https", "Authorization": f"Bearer {reader['token']}"}
    load = {"connections": args.connections, "threads": args.threads}
    try:
        with gunicorn("config.wsgi", env) as base:
            read_url = (
                f"{base}/api/network/v1/enterprises/{reader['enterprise'].pk}/clients/allocations/{allocation.pk}"
            )
            check(read_url, read_headers)
            run_wrk(read_url, read_headers, **load, duration=args.warmup)
            alloc = run_wrk(
                base,
                {},
                **load,
                duration=args.duration,
                script=BENCH / "wrk_bodies.lua",
                env={
                    "WRK_BODIES": bodies.name,
                    "WRK_REPORT": str(BENCH / "wrk_report.lua"),
                    "WRK_THREADS": str(args.threads),
                },
            )
            read = run_wrk(read_url, read_headers, **load, duration=args.duration)
    finally:
        os.unlink(bodies.name)
    for name, result in (("allocation", alloc), ("read", read)):
        failed = {kind: count for kind, count in result["errors"].items() if count}
        if failed:
            raise SystemExit(f"HTTP {name}: failed requests during the run: {failed}")
    return {"allocation": alloc, "read": read, "prepared_requests": len(lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a scale point of 100,000 allocations (unless --scale)")
    parser.add_argument(
        "--scale", type=int, help="existing allocations at the scale point (default 10,000,000; --quick: 100,000)"
    )
    parser.add_argument("--pgbouncer-pool", type=int, default=4, help="PgBouncer's server connections (default 4)")
    parser.add_argument("--workers", type=int, default=8, help="service-level workers (default 8)")
    parser.add_argument("--per-worker", type=int, default=250, help="allocations per service worker (default 250)")
    parser.add_argument("--duration", type=float, default=5, help="seconds of HTTP load per target (default 5)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured HTTP load first (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="HTTP keep-alive connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--http-ceiling", type=int, default=1500, help="requests/s prepared for (default 1500)")
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench TPC-B run (default 10 s)")
    args = parser.parse_args()
    if not 1 <= args.workers <= 16 or not 10 <= args.per_worker <= 10_000:
        raise SystemExit("--workers must be 1..16 (PostgreSQL's connection slots are shared), --per-worker 10..10000")
    if shutil.which("wrk") is None:
        raise SystemExit("The allocation benchmark needs wrk: apt-get install wrk")
    large = args.scale or (100_000 if args.quick else 10_000_000)
    if large < 10_000:
        raise SystemExit("--scale must be at least 10,000 (the small point has ~1,000)")

    fresh_database()
    env = server_env({}, DB_NAME)
    setup_django(env)
    clients = max(args.workers, args.connections)
    world = seed(clients + 1)
    history = world["clients"].pop()
    # One real allocation makes the history connection's held account; the generator fills the rest.
    allocate(history, signed(history["connection"], history["key"]))
    from allocations.models import Allocation

    generate(world, history, 1_000)
    service_run(world, workers=args.workers, per_worker=20)  # warm-up: connections, caches, plans
    small_existing = Allocation.objects.count()
    service = service_run(world, workers=args.workers, per_worker=args.per_worker)
    print(f"service level: {service['per_s']:.0f} allocations/s, p95 {service['p95_ms']:.1f} ms", flush=True)
    tpcb = pgbench(PGBENCH_DB_NAME, scale=10, clients=8, threads=args.threads, seconds=args.pgbench_seconds)
    print(f"pgbench TPC-B: {tpcb and tpcb['tps']} tps", flush=True)
    ledger = sql_ledger.run(f"{DB_NAME}_sql_ledger", clients=8, threads=args.threads, seconds=args.pgbench_seconds)
    print(f"pure-SQL ledger: {ledger and ledger['tps']} transfers/s", flush=True)
    pooled = service_through_pgbouncer(
        world, workers=args.workers, per_worker=args.per_worker, pool_size=args.pgbouncer_pool
    )
    if "not_measured" in pooled:
        print(f"service level through PgBouncer: not measured, {pooled['not_measured']}", flush=True)
    else:
        print(f"service level through PgBouncer: {pooled['per_s']:.0f} allocations/s", flush=True)
    http = http_run(world, env, args)
    print(f"HTTP: {http['allocation']['rps']:.0f} allocations/s, read {http['read']['rps']:.0f}/s", flush=True)
    generated_s = generate(world, history, large)
    print(f"generated to {large:,} allocations in {generated_s:.0f} s", flush=True)
    large_existing = Allocation.objects.count()
    service_run(world, workers=args.workers, per_worker=20)
    service_large = service_run(world, workers=args.workers, per_worker=args.per_worker)
    consistent = ledger_consistent()

    ratios = {
        "service/tpcb": service["per_s"] / tpcb["tps"] if tpcb and tpcb["tps"] else None,
        "service/sql_ledger": service["per_s"] / ledger["tps"] if ledger and ledger["tps"] else None,
        "pgbouncer/direct": pooled["per_s"] / service["per_s"] if "per_s" in pooled else None,
        "http alloc/read": http["allocation"]["rps"] / http["read"]["rps"],
        "p95 large/small": service_large["p95_ms"] / service["p95_ms"],
    }
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": DB_NAME,
        "service": {**service, "existing_allocations": small_existing},
        "service_large": {
            **service_large,
            "existing_allocations": large_existing,
            "scale": large,
            "generated_in_s": generated_s,
        },
        "service_pgbouncer": pooled,
        "pgbench_tpcb": tpcb,
        "sql_ledger": ledger,
        "http": http,
        "http_load": {
            "tool": "wrk",
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
        },
        "ratios": ratios,
        "targets": TARGETS,
        "ledger_consistent": consistent,
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    m = report["machine"]
    h_alloc, h_read = http["allocation"], http["read"]
    lines = [
        f"Allocation benchmark: {m['nproc']} CPUs ({m['cpu']}); service {service['workers']} processes x "
        f"{args.per_worker}; HTTP wrk {args.connections} connections, {args.duration:g} s per target",
        f"{'measure':44} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        f"{'service allocations, ' + format(small_existing, ',') + ' existing':44} {service['per_s']:8.0f} "
        f"{service['p50_ms']:8.2f} {service['p95_ms']:8.2f} {service['p99_ms']:8.2f}",
        f"{'service allocations, ' + format(large_existing, ',') + ' existing':44} {service_large['per_s']:8.0f} "
        f"{service_large['p50_ms']:8.2f} {service_large['p95_ms']:8.2f} {service_large['p99_ms']:8.2f}",
    ]
    if tpcb:
        lines.append(
            f"{'pgbench TPC-B (scale 10, 8 clients)':44} {tpcb['tps']:8.0f} {'':8} {'':8} {'':8}"
            f" (avg {tpcb['latency_avg_ms']:.2f} ms)"
        )
    if ledger:
        lines.append(
            f"{'pure-SQL ledger transfers (8 pgbench clients)':44} {ledger['tps']:8.0f} {'':8} {'':8} {'':8}"
            f" (avg {ledger['latency_avg_ms']:.2f} ms)"
        )
    pooled_label = f"service allocations via PgBouncer ({args.pgbouncer_pool} conns)"
    if "per_s" in pooled:
        lines.append(
            f"{pooled_label:44} {pooled['per_s']:8.0f} {pooled['p50_ms']:8.2f} {pooled['p95_ms']:8.2f} "
            f"{pooled['p99_ms']:8.2f}"
        )
    else:
        lines.append(f"{pooled_label:44} not measured: {pooled['not_measured']}")
    lines += [
        f"{'HTTP POST .../allocations (signed)':44} {h_alloc['rps']:8.0f} {h_alloc['p50_ms']:8.2f} "
        f"{h_alloc['p95_ms']:8.2f} {h_alloc['p99_ms']:8.2f}",
        f"{'HTTP GET .../clients/allocations/{id}':44} {h_read['rps']:8.0f} {h_read['p50_ms']:8.2f} "
        f"{h_read['p95_ms']:8.2f} {h_read['p99_ms']:8.2f}",
        "targets:",
    ]
    if ratios["service/tpcb"] is not None:
        lines.append(
            f"  service allocations = {ratios['service/tpcb']:.1%} of TPC-B tps (target ≥ 25%): "
            f"{verdict(ratios['service/tpcb'] >= TARGETS['service/tpcb'])}"
        )
    if ratios["service/sql_ledger"] is not None:
        lines.append(
            f"  service allocations = {ratios['service/sql_ledger']:.2f}x the pure-SQL ledger (target ≥ 0.5x): "
            f"{verdict(ratios['service/sql_ledger'] >= TARGETS['service/sql_ledger'])}"
        )
    worst_p95 = max(service["p95_ms"], h_alloc["p95_ms"])
    lines += [
        f"  HTTP allocations = {ratios['http alloc/read']:.1%} of the read (target ≥ 50%): "
        f"{verdict(ratios['http alloc/read'] >= TARGETS['http alloc/read'])}",
        f"  allocation p95 at 8 clients: service {service['p95_ms']:.1f} ms, HTTP {h_alloc['p95_ms']:.1f} ms "
        f"(target < 50 ms): {verdict(worst_p95 < TARGETS['p95_ms'])}",
        f"  p95 at {large_existing:,} = {ratios['p95 large/small']:.2f}x p95 at {small_existing:,} (target ≤ 1.2x): "
        f"{verdict(ratios['p95 large/small'] <= TARGETS['p95 large/small'])}",
        f"ledger consistent after the run: {'yes' if consistent else 'NO'}; generator: {generated_s:.0f} s",
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"allocations-{stamp}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (RESULTS / f"allocations-{stamp}.txt").write_text(table + "\n")
    (RESULTS / "allocations-latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written: bench/results/allocations-{stamp}.json, .txt (and allocations-latest.json)")
    if not consistent:
        raise SystemExit("the ledger is inconsistent after the run")


if __name__ == "__main__":
    main()
