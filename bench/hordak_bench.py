"""The Django-ledger peer of the allocation benchmark: django-hordak 2's `Account.transfer_to` from 8 threads, as
transfers/s, on the same PostgreSQL server, for bench/summary.py's row "the same beside a Django ledger".

    make bench                       # runs this after the allocation benchmark
    .venv/bin/python bench/hordak_bench.py [--threads 8] [--seconds 10] [--accounts 100]

hordak is a throwaway peer, never a project dependency: this script makes a venv of its own in bench/.hordak-venv
(not committed; reused while it holds a django-hordak 2.x) and installs `django-hordak>=2,<3` with the Django it
requires and psycopg there; writes a minimal settings module into a temporary directory (hordak, mptt and Django's
auth and contenttypes on PostgreSQL); drops and makes its own database `<BENCH_DB_NAME or pn_bench>_hordak` on the
server of BENCH_DATABASE_URL or DATABASE_URL; and runs bench/hordak_peer.py with the venv's interpreter (it migrates,
funds the accounts and times the transfers). The result goes to bench/results/hordak-latest.json. When the peer
cannot be measured (no network for the install, no PostgreSQL, a failing run), the JSON says why under
"not_measured" and the script still exits 0, so `make bench` carries on and the summary prints the reason.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from harness import BENCH, RESULTS, database_url, machine

VENV = BENCH / ".hordak-venv"
REQUIREMENT = "django-hordak>=2,<3"
DB_NAME = f"{os.environ.get('BENCH_DB_NAME', 'pn_bench')}_hordak"
SETTINGS = """\
SECRET_KEY = "hordak-bench"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "mptt", "hordak"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": {name!r}, "USER": {user!r},
                         "PASSWORD": {password!r}, "HOST": {host!r}, "PORT": {port!r}}}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
HORDAK_DEFAULT_CURRENCY = "EUR"
HORDAK_CURRENCIES = ["EUR"]
"""


class NotMeasured(Exception):
    """The peer could not be measured; the message says why."""


def venv_python() -> Path:
    """The venv's interpreter, with django-hordak 2 installed (made or completed here)."""
    python = VENV / "bin" / "python"
    probe = "from importlib.metadata import version; assert version('django-hordak').startswith('2.'); import psycopg"
    if python.exists() and subprocess.run([python, "-c", probe], capture_output=True, check=False).returncode == 0:  # noqa: S603
        return python
    print(f"making {VENV.relative_to(BENCH.parent)} with {REQUIREMENT} (needs the network) ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT, "psycopg[binary]"],
    ]
    for argv in steps:
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise NotMeasured(f"{argv[2]} {argv[3]} took over 600 s") from None
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise NotMeasured(f"installing {REQUIREMENT} failed: {tail[0][:200]}")
    return python


def fresh_database() -> None:
    import psycopg

    try:
        with psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    except psycopg.OperationalError as exc:
        raise NotMeasured(f"no PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL): {exc}") from None


def measure(args) -> dict:
    from urllib.parse import urlsplit

    python = venv_python()
    fresh_database()
    url = urlsplit(database_url(DB_NAME))
    settings = SETTINGS.format(
        name=DB_NAME,
        user=url.username or "",
        password=url.password or "",
        host=url.hostname or "",
        port=str(url.port or ""),
    )
    with tempfile.TemporaryDirectory(prefix="bench-hordak-") as directory:
        Path(directory, "hordak_bench_settings.py").write_text(settings)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": directory,
            "DJANGO_SETTINGS_MODULE": "hordak_bench_settings",
        }
        argv = [python, str(BENCH / "hordak_peer.py"), "--threads", str(args.threads), "--seconds", str(args.seconds)]
        argv += ["--accounts", str(args.accounts)]
        try:
            result = subprocess.run(  # noqa: S603 - the venv's interpreter and our script
                argv, env=env, capture_output=True, text=True, timeout=args.seconds + 600, check=False
            )
        except subprocess.TimeoutExpired:
            raise NotMeasured("the hordak run did not finish in time") from None
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise NotMeasured(f"the hordak run failed: {tail[0][:300]}")
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    if outcome["failures"]:
        raise NotMeasured(f"transfers failed during the hordak run: {outcome['failures'][0][:300]}")
    if not outcome["consistent"]:
        raise NotMeasured("hordak's ledger did not add up after the run")
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="threads calling transfer_to (default 8)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load (default 10)")
    parser.add_argument("--accounts", type=int, default=100, help="funded asset accounts (default 100)")
    args = parser.parse_args()
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "database": DB_NAME}
    try:
        report["hordak"] = measure(args)
        hordak = report["hordak"]
        print(
            f"django-hordak {hordak['hordak']} (Django {hordak['django']}) Account.transfer_to, {hordak['threads']} "
            f"threads: {hordak['per_s']:.0f} transfers/s, p95 {hordak['p95_ms']:.1f} ms",
            flush=True,
        )
    except NotMeasured as exc:
        report["not_measured"] = " ".join(str(exc).split())  # one line: it goes into a table cell
        print(f"django-hordak peer not measured: {exc}", flush=True)
    finally:
        import psycopg

        try:
            with psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        except psycopg.OperationalError:
            pass
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hordak-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print("written: bench/results/hordak-latest.json")


if __name__ == "__main__":
    main()
