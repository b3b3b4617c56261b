"""Settlement finalization benchmark: v2 settlements finalized per second by 2 Celery worker processes, over 1,000
pending settlements of 10 connections each, beside the allocations per second of 2 processes measured in the same run
on the same server (the ratio is the figure; absolute rates move with the machine).

    .venv/bin/python bench/settlements_bench.py [--quick] [--settlements 1000] [--json-line]
    make bench                                  # bench/run.py runs it and prints its line in its table

In one run, in its own database `<BENCH_DB_NAME or pn_bench>_settle` (or BENCH_SETTLE_DB_NAME), dropped and made anew,
on the PostgreSQL server of BENCH_DATABASE_URL or DATABASE_URL (bench/harness.py's rules), with the Redis of
BENCH_REDIS_URL or REDIS_URL as the broker (required: the workers are real; the run purges that Redis database's
Celery queue before and after, so give it a database of its own):
1. 10 funded client connections to one partner with disputes enabled and zero-length windows
   (bench/allocations_bench.py's world); the allocation baseline: `allocation_create` from 2 forked processes,
   allocations/s;
2. `--settlements` v2 settlements (`--quick`: 100), each moving a signed amount on each of the 10 connections, made
   through `settlement_create` from bodies signed by the partner's key and parsed by the v2 API's input serializer;
   they are due at once;
3. two `celery worker --pool=solo` processes (config.settings.production); the clock starts, the beat's task
   (`settlements.finalize_due`, run here once as beat would run it) claims and enqueues them all, and the clock stops
   when none is pending. Settlements/s, their ratio to allocations/s, and a ledger check after the run.
Writes bench/results/settlements-latest.json; with --json-line the last line printed is that report as one JSON line.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

from harness import RESULTS, ROOT, database_url, machine, server_env

DB_NAME = os.environ.get("BENCH_SETTLE_DB_NAME") or f"{os.environ.get('BENCH_DB_NAME', 'pn_bench')}_settle"
CONNECTIONS = 10
WORKERS = 2
HELD = 10**12


def fresh_database() -> None:
    import psycopg
    from harness import create_database

    try:
        conn = psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"The settlement benchmark needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL): {exc}"
        ) from None
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    create_database(DB_NAME)


def prepare(world: dict) -> object:
    """The partner settles v2 with zero-length windows; each connection holds HELD, the partner's account HELD."""
    from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef
    from allocations.services.ledger import ledger_post, transfer
    from tests.factories.organizations import SigningKeyFactory

    partner, currency = world["partner"], world["currency"]
    partner.config.disputes_enabled = True
    partner.config.save()
    partner.client_dispute_window_minutes = partner.top_up_window_minutes = 0
    partner.save()
    external = AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency)
    ledger_post(
        kind="deposit",
        lines=transfer(source=external, destination=AccountRef(partner.pk, AccountKind.PARTNER, currency), amount=HELD),
    )
    for client in world["clients"]:
        connection = client["connection"]
        ledger_post(
            kind="allocation",
            lines=transfer(
                source=AccountRef(connection.client_id, AccountKind.AVAILABLE, currency),
                destination=AccountRef(connection.network_account_id, AccountKind.HELD, currency),
                amount=HELD,
            ),
        )
    return SigningKeyFactory(organization=partner.enterprise)


def create_settlements(world: dict, key, count: int) -> float:
    """`count` due v2 settlements of one amount per connection, signed and parsed as the v2 API does; seconds taken."""
    from organizations.signing import sign_message
    from settlements.api.serializers import SettlementV2CreateInput
    from settlements.models import SettlementVersion
    from settlements.services.settlements import settlement_create

    rng = random.Random(7)  # noqa: S311 - amounts, not secrets
    connections = [client["connection"] for client in world["clients"]]
    cutoff = (datetime.now(UTC) - timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
    started = time.perf_counter()
    for n in range(count):
        amounts = {str(c.pk): {"tbtc": str(rng.choice([-1, 1]) * rng.randint(1, 10_000))} for c in connections}
        fields = {
            "externalId": f"bench-{n}",
            "settlementAmounts": amounts,
            "nonce": os.urandom(16).hex(),
            "cutoffAt": cutoff,
        }
        payload = json.dumps(fields, separators=(",", ":"))
        parsed = SettlementV2CreateInput(
            data={**fields, "payload": payload, "signature": sign_message(key.private_key, payload)}
        )
        parsed.is_valid(raise_exception=True)
        settlement_create(
            enterprise=world["partner"].enterprise,
            fields=parsed.validated_data["fields"],
            payload=payload,
            signature=parsed.validated_data["signature"],
            initiated_by="bench",
            version=SettlementVersion.V2,
        )
    return time.perf_counter() - started


def start_workers(env: dict[str, str]) -> tuple[list[subprocess.Popen], object]:
    from config.celery import app

    log = tempfile.NamedTemporaryFile("w", prefix="bench-settle-workers-", suffix=".log", delete=False)  # noqa: SIM115
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
                f"--hostname=bench-settle-{i}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(WORKERS)
    ]
    deadline = time.monotonic() + 60
    while True:
        nodes = {node for reply in app.control.ping(timeout=1.0) for node in reply if node.startswith("bench-settle-")}
        if len(nodes) == WORKERS:
            return processes, log
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            stop_workers(processes)
            raise SystemExit(f"the bench workers did not start; their log: {log.name}")


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def finalize_run(env: dict[str, str], count: int) -> dict:
    from django.db.models import Count

    from config.celery import app
    from settlements.models import Settlement, SettlementTransfer
    from settlements.tasks import settlements_finalize_due

    app.control.purge()  # the settlement notices' tasks (made with the settlements): not measured here
    processes, log = start_workers(env)
    try:
        started = time.perf_counter()
        enqueued = settlements_finalize_due()
        while Settlement.objects.filter(status="pending").exists():
            if time.perf_counter() - started > 1800:
                raise SystemExit("the workers did not finalize the settlements within 30 minutes")
            if any(p.poll() is not None for p in processes):
                raise SystemExit(f"a bench worker exited; its log: {log.name}")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop_workers(processes)
        app.control.purge()
    statuses = dict(Settlement.objects.values_list("status").annotate(n=Count("id")).order_by())
    failed = SettlementTransfer.objects.exclude(status="completed").count()
    return {
        "settlements": count,
        "enqueued": enqueued,
        "seconds": elapsed,
        "per_s": count / elapsed,
        "statuses": statuses,
        "transfers_not_completed": failed,
        "workers": WORKERS,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100 settlements and 100 allocations per process")
    parser.add_argument("--settlements", type=int, default=None, help="pending settlements (default 1,000)")
    parser.add_argument("--allocations", type=int, default=None, help="allocations per process (default 500)")
    parser.add_argument("--json-line", action="store_true", help="end with the report as one JSON line")
    args = parser.parse_args()
    count = args.settlements or (100 if args.quick else 1_000)
    per_worker = args.allocations or (100 if args.quick else 500)
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        raise SystemExit("The settlement benchmark needs Redis for its workers: set BENCH_REDIS_URL or REDIS_URL")

    fresh_database()
    env = server_env({"REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}, DB_NAME)
    from allocations_bench import ledger_consistent, seed, service_run, setup_django

    setup_django(env)
    world = seed(CONNECTIONS)
    key = prepare(world)
    service_run(world, workers=WORKERS, per_worker=20)  # warm-up
    allocations = service_run(world, workers=WORKERS, per_worker=per_worker)
    print(f"allocations: {allocations['per_s']:.0f}/s from {WORKERS} processes", flush=True)
    created_s = create_settlements(world, key, count)
    print(f"{count} pending settlements made in {created_s:.0f} s", flush=True)
    finalized = finalize_run(env, count)
    consistent = ledger_consistent()
    ratio = finalized["per_s"] / allocations["per_s"]
    name = (
        f"v2 settlements finalized per second by {WORKERS} worker processes, over {count:,} pending settlements "
        f"of {CONNECTIONS} connections each"
    )
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": DB_NAME,
        "name": name,
        "finalization": finalized,
        "allocations": {k: allocations[k] for k in ("allocations", "workers", "seconds", "per_s", "p50_ms", "p95_ms")},
        "ratio_settlements_per_allocation": ratio,
        "transfers_per_s": finalized["per_s"] * CONNECTIONS,
        "ledger_consistent": consistent,
    }
    print(
        f"{name}: {finalized['per_s']:.1f}/s ({finalized['per_s'] * CONNECTIONS:.0f} transfers/s) = "
        f"{ratio:.3f} x the allocations/s of {WORKERS} processes ({allocations['per_s']:.0f}/s); "
        f"ledger consistent: {'yes' if consistent else 'NO'}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "settlements-latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print("written: bench/results/settlements-latest.json")
    if finalized["statuses"] != {"completed": count} or finalized["transfers_not_completed"] or not consistent:
        raise SystemExit(f"the run did not finalize every settlement cleanly: {finalized}")
    if args.json_line:
        print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
