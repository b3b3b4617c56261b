"""Benchmarks, reported as ratios against a baseline measured in the same run (never as absolute timings in tests).

    make bench            # or: .venv/bin/python bench/run.py [--requests N]

Each case is timed with the same in-process Django test client over a throwaway SQLite database, so machine speed
cancels out: `ratio` says how many baseline requests one case request costs.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# Always a throwaway SQLite file: DATABASE_URL names the PostgreSQL server of the HTTP and allocation modes, and
# this mode must never migrate or fill the database it points at.
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.pop("REDIS_URL", None)

import django

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
    n = parser.parse_args().requests

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
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "inprocess-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print("written: bench/results/inprocess-latest.json")


if __name__ == "__main__":
    main()
