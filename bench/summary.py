"""The last step of `make bench`: issue 16's table of measures, each beside its peer or floor measured in the same
run, with the ratio, the target and MET or MISSED, read from the JSON the earlier steps wrote in bench/results/.

    .venv/bin/python bench/summary.py [--since 2026-12-03T01:00:00Z]

Sources: http-latest.json (bench/http_bench.py: bare WSGI app, `/healthz`, the authenticated read),
allocations-latest.json (bench/allocations_bench.py: the service level, pgbench TPC-B, the pure-SQL ledger, the
service level through PgBouncer, HTTP allocations and the read, the scale point) and hordak-latest.json
(bench/hordak_bench.py). With --since (the Makefile passes the time `make bench` started), a file written before
then counts as missing, so a row never mixes in a figure of an earlier run: it says "not measured" and why instead.
Prints the table as Markdown and writes it to bench/results/summary-latest.md.
"""

import argparse
import json
import math
from datetime import datetime

from harness import RESULTS

SCALE_TARGET = 10_000_000


def load(name: str, since: datetime | None) -> tuple[dict | None, str]:
    """The step's JSON, or None and why it is not usable."""
    path = RESULTS / f"{name}-latest.json"
    if not path.exists():
        return None, f"no bench/results/{path.name}"
    report = json.loads(path.read_text())
    if since and datetime.fromisoformat(report["when"]) < since:
        return None, f"bench/results/{path.name} is from an earlier run, {report['when']}"
    return report, ""


def rate(value: float, unit: str = "/s", p95: float | None = None) -> str:
    text = f"{value:,.0f}{unit}"
    return f"{text}, p95 {p95:.1f} ms" if p95 is not None else text


def percent(ratio: float) -> str:
    """Truncated, not rounded: a ratio just under its target never prints as the target (49.97% is 49.9%)."""
    return f"{math.floor(ratio * 1000) / 10:.1f}%"


def times(ratio: float) -> str:
    """Truncated as `percent`."""
    return f"{math.floor(ratio * 100) / 100:.2f}x"


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def rows(http: dict | None, why_http: str, alloc: dict | None, why_alloc: str, hordak: dict | None, why_hordak: str):
    """(measure, figure, peer, peer figure, ratio, target, verdict) for each row of the issue's table."""
    absent = "not measured"
    service = alloc and alloc["service"]
    figure = rate(service["per_s"], p95=service["p95_ms"]) if service else absent
    measure = f"service allocations/s ({service['workers'] if service else 8} workers)"

    tpcb = alloc and alloc.get("pgbench_tpcb")
    if tpcb:
        ratio = service["per_s"] / tpcb["tps"]
        yield (
            measure,
            figure,
            "pgbench TPC-B (scale 10, 8 clients)",
            rate(tpcb["tps"], " tps"),
            percent(ratio),
            "≥ 25% of TPC-B",
            verdict(ratio >= 0.25),
        )
    else:
        why = why_alloc or "pgbench not installed"
        yield (
            measure,
            figure,
            "pgbench TPC-B",
            absent,
            "",
            "≥ 25% of TPC-B",
            f"not measured ({why})",
        )

    ledger = alloc and alloc.get("sql_ledger")
    peer = "pure-SQL ledger `transfer()` (bench/sql_ledger.sql), 8 pgbench clients"
    if ledger:
        ratio = service["per_s"] / ledger["tps"]
        yield (
            "the same beside a pure-SQL ledger",
            figure,
            peer,
            rate(ledger["tps"]),
            times(ratio),
            "≥ 0.5x",
            verdict(ratio >= 0.5),
        )
    else:
        why = why_alloc or "pgbench not installed"
        yield ("the same beside a pure-SQL ledger", figure, peer, absent, "", "≥ 0.5x", f"not measured ({why})")

    measured = hordak and hordak.get("hordak")
    peer = (
        f"django-hordak {measured['hordak']} `Account.transfer_to`, {measured['threads']} threads"
        if measured
        else "django-hordak 2 `Account.transfer_to`, 8 threads"
    )
    if measured and service:
        ratio = service["per_s"] / measured["per_s"]
        yield (
            "the same beside a Django ledger",
            figure,
            peer,
            rate(measured["per_s"], p95=measured["p95_ms"]),
            times(ratio),
            "≥ 1x hordak",
            verdict(ratio >= 1),
        )
    else:
        why = why_hordak or (hordak and hordak.get("not_measured")) or why_alloc
        yield (
            "the same beside a Django ledger",
            figure,
            peer,
            rate(measured["per_s"]) if measured else absent,
            "",
            "≥ 1x hordak",
            f"not measured ({why})",
        )

    pooled = alloc and alloc.get("service_pgbouncer")
    peer = "the same, direct (first row)"
    if pooled and "per_s" in pooled:
        label = f"service allocations/s through PgBouncer (transaction pooling, {pooled['server_connections']} conns)"
        yield (
            label,
            rate(pooled["per_s"], p95=pooled["p95_ms"]),
            peer,
            figure,
            times(pooled["per_s"] / service["per_s"]),
            "— (a figure beside the direct one)",
            "—",
        )
    else:
        why = (pooled and pooled.get("not_measured")) or why_alloc
        yield ("service allocations/s through PgBouncer", absent, peer, figure, "", "—", f"not measured ({why})")

    if alloc:
        h_alloc, h_read = alloc["http"]["allocation"], alloc["http"]["read"]
        ratio = h_alloc["rps"] / h_read["rps"]
        missed = [what for what, ok in (("ratio", ratio >= 0.5), ("p95", h_alloc["p95_ms"] < 50)) if not ok]
        yield (
            "HTTP signed allocations/s",
            rate(h_alloc["rps"], p95=h_alloc["p95_ms"]),
            "authenticated allocation read `GET .../clients/allocations/{id}`",
            rate(h_read["rps"], p95=h_read["p95_ms"]),
            percent(ratio),
            "≥ 50% of the read; p95 < 50 ms",
            f"MISSED ({', '.join(missed)})" if missed else "MET",
        )
    else:
        yield (
            "HTTP signed allocations/s",
            absent,
            "authenticated allocation read",
            absent,
            "",
            "≥ 50% of the read; p95 < 50 ms",
            f"not measured ({why_alloc})",
        )

    if http:
        results = http["results"]
        bare, healthz, read = results["bare WSGI app"], results["GET /healthz"], results["GET /api/v1/organization"]
        ratio = healthz["rps"] / bare["rps"]
        yield (
            "`GET /healthz` req/s",
            rate(healthz["rps"], p95=healthz["p95_ms"]),
            "bare WSGI app, same gunicorn",
            rate(bare["rps"]),
            percent(ratio),
            "≥ 25%",
            verdict(ratio >= 0.25),
        )
        ratio = read["rps"] / healthz["rps"]
        yield (
            "authenticated read `GET /api/v1/organization`",
            rate(read["rps"], p95=read["p95_ms"]),
            "`/healthz`",
            rate(healthz["rps"]),
            percent(ratio),
            "≥ 50% of `/healthz`",
            verdict(ratio >= 0.5),
        )
    else:
        yield ("`GET /healthz` req/s", absent, "bare WSGI app", absent, "", "≥ 25%", f"not measured ({why_http})")
        yield (
            "authenticated read `GET /api/v1/organization`",
            absent,
            "`/healthz`",
            absent,
            "",
            "≥ 50% of `/healthz`",
            f"not measured ({why_http})",
        )

    if alloc:
        small, large = alloc["service"], alloc["service_large"]
        ratio = large["p95_ms"] / small["p95_ms"]
        existing = large["existing_allocations"]
        result = verdict(ratio <= 1.2)
        if existing < SCALE_TARGET:
            result = f"not measured at {SCALE_TARGET:,} ({result} at {existing:,}: a smaller --scale)"
        yield (
            f"p95 at {existing:,} vs {small['existing_allocations']:,} existing allocations",
            f"p95 {large['p95_ms']:.1f} ms",
            f"p95 at {small['existing_allocations']:,}",
            f"{small['p95_ms']:.1f} ms",
            times(ratio),
            f"≤ 1.2x at {SCALE_TARGET:,}",
            result,
        )
    else:
        yield (
            "p95 at N vs ~1,000 existing allocations",
            absent,
            "—",
            "",
            "",
            f"≤ 1.2x at {SCALE_TARGET:,}",
            f"not measured ({why_alloc})",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--since", type=datetime.fromisoformat, help="ignore results written before (ISO 8601, UTC)")
    args = parser.parse_args()
    http, why_http = load("http", args.since)
    alloc, why_alloc = load("allocations", args.since)
    hordak, why_hordak = load("hordak", args.since)
    header = ("measure", "figure", "peer / floor (same run)", "peer figure", "ratio", "target", "verdict")
    table = [header, *rows(http, why_http, alloc, why_alloc, hordak, why_hordak)]
    lines = ["| " + " | ".join(row) + " |" for row in table]
    lines.insert(1, "|" + "|".join("---" if n in (0, 2, 5, 6) else "---:" for n in range(len(header))) + "|")
    machine = (alloc or http or hordak or {}).get("machine")
    if machine:
        described = f"{machine['nproc']} CPUs ({machine['cpu']}), Python {machine['python']}"
        lines.insert(0, f"Issue 16's measures ({described}):\n")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "summary-latest.md").write_text(text + "\n")
    print("written: bench/results/summary-latest.md")


if __name__ == "__main__":
    main()
