"""HTTP benchmark: gunicorn on PostgreSQL, driven by concurrent keep-alive clients (wrk), as ratios in one run.

    make bench                       # the in-process ratios (bench/run.py), then this
    .venv/bin/python bench/http_bench.py [--duration 10] [--connections 8] [--env NAME=VALUE ...] [--no-pgbench]

What it does, all on 127.0.0.1 and bounded in time:
1. creates (if missing) and migrates its own database `pn_bench` (or BENCH_DB_NAME) on the PostgreSQL server of
   BENCH_DATABASE_URL (default: the server of DATABASE_URL, else postgres://partner_network@127.0.0.1:5432), and seeds
   an organization, an API client and a token;
2. starts gunicorn with the repository's `gunicorn.conf.py` on a free loopback port, twice: once serving a bare WSGI
   app (a fixed JSON body, `bench/bare_wsgi.py`: the floor of serving cost) and once serving the project with
   `config.settings.production` and the production defaults (override any with `--env`, e.g. `--env CONN_MAX_AGE=0`);
3. drives each with `wrk` (8 keep-alive connections by default; Debian package `wrk`) after a short warm-up, and
   prints requests/s and p50/p95/p99 latency of the bare app, `/healthz` and `GET /api/v1/organization` (API-client
   JWT, Self scenario), with their ratios;
4. runs pgbench TPC-B against the same PostgreSQL server (a throwaway `<database>_pgbench` database) as a baseline of
   what the database alone does on this machine;
5. writes the table and the JSON to `bench/results/` and stops everything it started.

Requests carry `X-Forwarded-Proto: https`, as the HTTPS proxy in front of production does, so the production
settings' HTTPS redirect is exercised as deployed rather than switched off. The rate limits stay on (their cache
round-trips are part of the cost) but are raised far above what a run can send, so no request is refused; REDIS_URL
(or BENCH_REDIS_URL) makes them and `/healthz` use Redis, as production does.
"""

import argparse
import json
import os
import runpy
import shutil
import subprocess
import sys
from datetime import UTC, datetime

from harness import BENCH, RESULTS, ROOT, check, create_database, gunicorn, machine, pgbench, server_env, wrk

PYTHON = sys.executable
# BENCH_DB_NAME lets two runs share one PostgreSQL server without sharing a database.
DB_NAME = os.environ.get("BENCH_DB_NAME", "pn_bench")
PGBENCH_DB_NAME = f"{DB_NAME}_pgbench"
TARGETS = {"healthz": 0.25, "read/healthz": 0.50}  # the targets, as ratios of the same run


def seed(env: dict[str, str]) -> dict[str, str]:
    """Migrates the bench database and makes an organization, an API client holding every permission, a token."""
    script = """
import json, secrets, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from organizations.models import ALL_PERMISSIONS
from organizations.services import api_client_create, organization_create
from organizations.tokens import token_issue_for_client
organization = organization_create(name=f"Bench {secrets.token_hex(4)}")
api_client, _ = api_client_create(organization=organization, name="bench", permissions=sorted(ALL_PERMISSIONS),
                                  grantor_permissions=frozenset(ALL_PERMISSIONS))
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({"conn_max_age": database["CONN_MAX_AGE"], "conn_health_checks": database["CONN_HEALTH_CHECKS"],
                  "organization_id": str(organization.pk),
                  "token": token_issue_for_client(api_client=api_client).access_token}))
"""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"seeding the bench database failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(targets: dict[str, tuple[str, dict[str, str]]], args) -> dict[str, dict]:
    """Each target in turn, `--rounds` times (so a busy moment on the machine hits all of them alike).

    Per target: the median round's requests/s and that round's latency percentiles.
    """
    for url, headers in targets.values():
        check(url, headers)
        if args.warmup:  # wrk refuses -d0s
            wrk(url, headers, connections=args.connections, threads=args.threads, duration=args.warmup)
    rounds: dict[str, list[dict]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, (url, headers) in targets.items():
            result = wrk(url, headers, connections=args.connections, threads=args.threads, duration=args.duration)
            failed = {kind: count for kind, count in result["errors"].items() if count}
            if failed:
                raise SystemExit(f"{url}: failed requests during the run: {failed}")
            rounds[name].append(result)
    summary = {}
    for name, results in rounds.items():
        median = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
        summary[name] = {**median, "rounds_rps": [round(r["rps"], 1) for r in results]}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds of load per target and round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the targets; the median counts (default 3)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="server environment override")
    parser.add_argument("--no-pgbench", action="store_true", help="skip the pgbench TPC-B baseline")
    parser.add_argument("--label", default="production defaults", help="what this run measures (kept in the JSON)")
    args = parser.parse_args()
    if not 1 <= args.duration <= 60 or not 1 <= args.rounds <= 10 or not 0 <= args.warmup <= 30:
        raise SystemExit("--duration must be 1..60 s, --rounds 1..10, --warmup 0..30 s")
    if not 1 <= args.connections <= 256:
        raise SystemExit("--connections must be 1..256")
    if shutil.which("wrk") is None:
        raise SystemExit("The HTTP benchmark needs wrk: apt-get install wrk")
    overrides = dict(item.split("=", 1) for item in args.env)

    create_database(DB_NAME)
    env = server_env(overrides, DB_NAME)
    seeded = seed(env)
    # What the configuration file gives with this environment (it reads only GUNICORN_* and WEB_CONCURRENCY).
    os.environ.update({k: v for k, v in overrides.items() if k.startswith(("GUNICORN_", "WEB_"))})
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    server = {k: config[k] for k in ("worker_class", "workers", "threads", "keepalive")}
    server["CONN_MAX_AGE"] = seeded["conn_max_age"]
    server["CONN_HEALTH_CHECKS"] = seeded["conn_health_checks"]
    server["redis"] = bool(env["REDIS_URL"])

    proxy = {"X-Forwarded-Proto": "https"}
    authenticated = {
        **proxy,
        "Authorization": f"Bearer {seeded['token']}",
        "Requester-Organization-ID": seeded["organization_id"],
        "Target-Organization-ID": seeded["organization_id"],
    }
    # Both servers run side by side (an idle one costs nothing), so the rounds can interleave the targets.
    with (
        gunicorn("bare_wsgi:application", env, "--pythonpath", str(BENCH)) as bare_base,
        gunicorn("config.wsgi", env) as base,
    ):
        results = measure(
            {
                "bare WSGI app": (f"{bare_base}/", proxy),
                "GET /healthz": (f"{base}/healthz", proxy),
                "GET /api/v1/organization": (f"{base}/api/v1/organization", authenticated),
            },
            args,
        )
    baseline = (
        None
        if args.no_pgbench
        else pgbench(PGBENCH_DB_NAME, clients=args.connections, threads=args.threads, seconds=int(args.duration * 2))
    )

    bare, healthz, read = (results[name]["rps"] for name in results)
    ratios = {"healthz/bare": healthz / bare, "read/bare": read / bare, "read/healthz": read / healthz}
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": args.label,
        "machine": machine(),
        "server": server,
        "load": {
            "tool": "wrk",
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": args.duration,
            "rounds": args.rounds,
        },
        "results": results,
        "ratios": ratios,
        "pgbench_tpcb": baseline,
    }

    lines = [
        f"HTTP benchmark ({args.label}): gunicorn {server['worker_class']} {server['workers']}x{server['threads']}, "
        f"keepalive {server['keepalive']} s, CONN_MAX_AGE {server['CONN_MAX_AGE']} s "
        f"(health checks {server['CONN_HEALTH_CHECKS']}), Redis {'yes' if server['redis'] else 'no'}; "
        f"wrk {args.connections} connections, {args.rounds} rounds x {args.duration:g} s; "
        f"{report['machine']['nproc']} CPUs ({report['machine']['cpu']})",
        f"{'target':28} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'of bare':>8}",
    ]
    for name, result in results.items():
        lines.append(
            f"{name:28} {result['rps']:9.0f} {result['p50_ms']:8.2f} {result['p95_ms']:8.2f} {result['p99_ms']:8.2f} "
            f"{result['rps'] / bare:8.1%}"
        )
    lines.append(
        f"ratios: /healthz = {ratios['healthz/bare']:.1%} of the bare app (target ≥ {TARGETS['healthz']:.0%}); "
        f"authenticated read = {ratios['read/healthz']:.1%} of /healthz (target ≥ {TARGETS['read/healthz']:.0%}), "
        f"{ratios['read/bare']:.1%} of the bare app"
    )
    if baseline:
        lines.append(
            f"pgbench TPC-B (scale 1, {baseline['clients']} clients, same PostgreSQL): {baseline['tps']:.0f} tps, "
            f"{baseline['latency_avg_ms']:.2f} ms average"
        )
    table = "\n".join(lines)
    print(table)

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"http-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"http-{stamp}.txt").write_text(table + "\n")
    (RESULTS / "http-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"written: bench/results/http-{stamp}.json, .txt (and http-latest.json)")


if __name__ == "__main__":
    main()
