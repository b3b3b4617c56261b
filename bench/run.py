"""Benchmarks, reported as ratios against a baseline measured in the same run (never as absolute timings in tests).

    make bench            # or: .venv/bin/python bench/run.py [--requests N] [--settlements-args=--quick]

Each case is timed with the same in-process Django test client over a throwaway SQLite database, so machine speed
cancels out: `ratio` says how many baseline requests one case request costs.

Then, unless --no-settlements, bench/settlements_bench.py in a subprocess with the environment this script was given
(PostgreSQL and Redis: its docstring says which), whose line joins the table: v2 settlements finalized per second by 2
worker processes as a ratio to the allocations per second of 2 processes in the same run. Its options come from
--settlements-args or SETTLEMENT_BENCH_ARGS (e.g. "--quick": 100 settlements instead of 1,000).
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The settlement benchmark's subprocess gets the environment as given (its PostgreSQL and Redis), not this mode's.
GIVEN_ENV = dict(os.environ)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# Always a throwaway SQLite file: DATABASE_URL names the PostgreSQL server of the HTTP and allocation modes, and
# this mode must never migrate or fill the database it points at.
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402 - after the environment is set

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def timed(fn, n: int) -> float:
    """Median seconds per call over 5 rounds of n calls."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-settlements", action="store_true", help="skip bench/settlements_bench.py")
    parser.add_argument("--settlements-args", default=os.environ.get("SETTLEMENT_BENCH_ARGS", ""))
    args = parser.parse_args()
    n = args.requests

    setup_test_environment()
    settings.RATELIMIT_ENABLE = False
    call_command("migrate", verbosity=0)
    from coincurve import PrivateKey

    from organizations.signing import sign_message, verify_signature
    from organizations.tokens import token_issue_for_client
    from tests.factories.organizations import ApiClientFactory, MembershipFactory, SigningKeyFactory

    organization = MembershipFactory().organization
    for _ in range(50):
        SigningKeyFactory(organization=organization)
    token = token_issue_for_client(api_client=ApiClientFactory(organization=organization)).access_token
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_REQUESTER_ORGANIZATION_ID": str(organization.pk),
        "HTTP_TARGET_ORGANIZATION_ID": str(organization.pk),
    }
    client = Client()

    def ok(response):
        if response.status_code != 200:
            raise SystemExit(f"benchmark request failed: {response.status_code} {response.content[:200]!r}")
        return response

    baseline = timed(lambda: ok(client.get("/healthz")), n)
    cases = {
        "GET /api/v1/organization (JWT + scenario)": lambda: ok(client.get("/api/v1/organization", **headers)),
        "GET /api/v1/signing-keys (50 rows)": lambda: ok(client.get("/api/v1/signing-keys", **headers)),
    }
    key = PrivateKey()
    payload = '{"amount":{"currency":"tbtc","quantity":"1"},"nonce":"bench"}'
    signature = sign_message(key, payload)
    public_key = key.public_key.format(compressed=True).hex()
    cases["verify_signature (one call)"] = lambda: verify_signature(public_key, payload, signature)

    print(f"baseline GET /healthz: {baseline * 1e6:.0f} µs/request (n={n}, median of 5 rounds)")
    print(f"{'case':48} {'µs':>8} {'ratio':>7}")
    report = {"baseline": {"GET /healthz": {"us": round(baseline * 1e6, 1)}}, "cases": {}, "requests": n}
    for name, fn in cases.items():
        seconds = timed(fn, n)
        print(f"{name:48} {seconds * 1e6:8.0f} {seconds / baseline:7.2f}")
        report["cases"][name] = {"us": round(seconds * 1e6, 1), "ratio": round(seconds / baseline, 3)}
    if not args.no_settlements:
        report["settlements"] = settlements_case(args.settlements_args)
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "inprocess-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print("written: bench/results/inprocess-latest.json")


def settlements_case(extra: str) -> dict:
    """bench/settlements_bench.py (real workers on PostgreSQL and Redis), its line printed in this table."""
    script = Path(__file__).resolve().parent / "settlements_bench.py"
    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(script), "--json-line", *shlex.split(extra)],
        env=GIVEN_ENV,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if process.returncode != 0:
        output = process.stdout[-3000:] + process.stderr[-3000:]
        raise SystemExit(f"bench/settlements_bench.py failed ({process.returncode}):\n{output}")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    finalization, allocations = result["finalization"], result["allocations"]
    print(f"{result['name']}:")
    print(
        f"{'  settlements/s; ratio to allocations/s':48} {finalization['per_s']:8.1f} "
        f"{result['ratio_settlements_per_allocation']:7.3f}  ({allocations['per_s']:.0f} allocations/s by 2 processes; "
        f"{result['transfers_per_s']:.0f} transfers/s)"
    )
    return {
        "name": result["name"],
        "per_s": round(finalization["per_s"], 2),
        "ratio_to_allocations_per_s": round(result["ratio_settlements_per_allocation"], 4),
        "allocations_per_s": round(allocations["per_s"], 1),
        "transfers_per_s": round(result["transfers_per_s"], 1),
        "settlements": finalization["settlements"],
        "ledger_consistent": result["ledger_consistent"],
    }


if __name__ == "__main__":
    main()
