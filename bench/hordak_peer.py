"""The django-hordak peer's driver, run by bench/hordak_bench.py with the interpreter of its throwaway venv (hordak 2
and its own Django, never the project's): migrates hordak's tables into the database of the settings module it is
given (DJANGO_SETTINGS_MODULE), funds `--accounts` asset accounts from an equity account, then times
`Account.transfer_to` (one transaction with its two legs; hordak's own atomic block and triggers) of 1 EUR between
random distinct funded accounts from `--threads` threads, each with its own database connection, for `--seconds`.
Prints one JSON line: transfers/s, latency percentiles, hordak's and Django's versions, and a check that every
transfer was recorded and the asset balances still add up to the funding.
"""

import argparse
import json
import random
import threading
import time
from decimal import Decimal
from importlib.metadata import version

import django

FUNDS = Decimal(10**9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from hordak.models import Account, Transaction
    from moneyed import Money

    call_command("migrate", verbosity=0, interactive=False)
    funding = Account.objects.create(name="Funding", type=Account.TYPES.equity, currencies=["EUR"])
    accounts = [
        Account.objects.create(name=f"Account {n}", type=Account.TYPES.asset, currencies=["EUR"])
        for n in range(args.accounts)
    ]
    for account in accounts:
        funding.transfer_to(account, Money(FUNDS, "EUR"))
    before = Transaction.objects.count()
    connection.close()

    barrier = threading.Barrier(args.threads + 1)
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(args.threads)]
    failures: list[str] = []

    def worker(samples: list[float]) -> None:
        rng = random.Random()  # noqa: S311 - picking accounts, not secrets
        amount = Money(1, "EUR")
        try:
            Account.objects.exists()  # the thread's connection, opened before the clock starts
            barrier.wait()
            while not stop.is_set():
                source, destination = rng.sample(accounts, 2)
                started = time.perf_counter()
                source.transfer_to(destination, amount, description="bench")
                samples.append(time.perf_counter() - started)
        except Exception as exc:  # reported in the JSON: the run fails
            failures.append(repr(exc))
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(samples,)) for samples in latencies]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    samples = sorted(s for per_thread in latencies for s in per_thread)
    recorded = Transaction.objects.count() - before
    assets = sum(account.get_balance()["EUR"].amount for account in Account.objects.filter(type="AS"))

    def at(p: float) -> float:
        return samples[min(len(samples) - 1, int(p / 100 * len(samples)))] * 1000 if samples else 0.0

    print(
        json.dumps(
            {
                "hordak": version("django-hordak"),
                "django": django.get_version(),
                "threads": args.threads,
                "accounts": args.accounts,
                "seconds": elapsed,
                "transfers": len(samples),
                "per_s": len(samples) / elapsed,
                "p50_ms": at(50),
                "p95_ms": at(95),
                "p99_ms": at(99),
                "failures": failures[:5],
                "consistent": recorded == len(samples) and assets == FUNDS * args.accounts,
            }
        )
    )


if __name__ == "__main__":
    main()
