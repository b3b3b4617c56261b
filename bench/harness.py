"""What the HTTP benchmarks share: the bench database on the PostgreSQL server, the production-like server
environment, gunicorn started and stopped on a free loopback port, wrk runs and the machine's description."""

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def database_url(name: str) -> str:
    """The bench database's URL: BENCH_DATABASE_URL's (or DATABASE_URL's) server with our own database name."""
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = "postgres://partner_network@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def create_database(name: str) -> None:
    import psycopg

    try:
        conn = psycopg.connect(database_url("postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"The HTTP benchmark needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, a role that may create "
            f"databases): {exc}"
        ) from None
    with conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(overrides: dict[str, str], db_name: str) -> dict[str, str]:
    redis_url = os.environ.get("BENCH_REDIS_URL", os.environ.get("REDIS_URL", ""))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(db_name),
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Counted as in production, never refused: a run sends far fewer requests than this.
        "API_RATE_LIMIT_PER_MINUTE": "1000000000",
        "API_GLOBAL_RATE_LIMIT_PER_MINUTE": "1000000000",
        "LOG_LEVEL": "INFO",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


@contextmanager
def gunicorn(app: str, env: dict[str, str], *extra: str):
    """gunicorn with the repository's configuration on a free loopback port; yields its base URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    argv = [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", *extra, app]
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({process.returncode}):\n{Path(log.name).read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start listening within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def pgbouncer(db_name: str, *, pool_size: int):
    """PgBouncer in transaction pooling mode on a free loopback port, in front of the bench's PostgreSQL server for
    `db_name` (at most `pool_size` server connections), with its own configuration in a temporary directory; stopped
    on exit. Yields its port, or None when pgbouncer is not installed (Debian package pgbouncer)."""
    binary = shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin")  # Debian: /usr/sbin
    if binary is None:
        yield None
        return
    server = urlsplit(database_url(db_name))
    user = server.username or "postgres"
    port = free_port()
    directory = tempfile.mkdtemp(prefix="bench-pgbouncer-")
    config = Path(directory, "pgbouncer.ini")
    config.write_text(
        f"[databases]\n{db_name} = host={server.hostname or '127.0.0.1'} port={server.port or 5432} dbname={db_name}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory}/users.txt\npool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmax_client_conn = 200\nlogfile = {directory}/pgbouncer.log\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    # trust: no password is checked, but the user must be listed (and the server's own authentication applies).
    Path(directory, "users.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    argv = [binary, str(config)]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: it drops to the postgres account, which reads the files
        argv[1:1] = ["-u", "postgres"]
        shutil.chown(directory, "postgres")
        for name in ("pgbouncer.ini", "users.txt"):
            shutil.chown(Path(directory, name), "postgres")
    output = Path(directory, "output.txt").open("w")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                said = Path(directory, "output.txt").read_text()[-2000:]
                raise SystemExit(f"pgbouncer exited ({process.returncode}):\n{said}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("pgbouncer did not start listening within 30 s") from None
                time.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()
        shutil.rmtree(directory, ignore_errors=True)


def check(url: str, headers: dict[str, str]) -> None:
    """One request before the load: the target must answer 200 (not a redirect, not an error)."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http://127.0.0.1 only
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return
                status, body = response.status, response.read()[:300]
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()[:300]
        except urllib.error.URLError:
            status, body = None, b"(no answer)"
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} answered {status}: {body!r}")
        time.sleep(0.5)


def wrk(
    url: str,
    headers: dict[str, str],
    *,
    connections: int,
    threads: int,
    duration: float,
    script: Path = BENCH / "wrk_report.lua",
    env: dict[str, str] | None = None,
) -> dict:
    """One wrk run; `script` must end with wrk_report.lua's `done` (one JSON line), `env` is added to wrk's."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s"]
    argv += ["-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    result = subprocess.run(  # noqa: S603 - fixed argv
        [*argv, url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
        env={**os.environ, **(env or {})},
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    seconds = report["duration_us"] / 1e6
    return {
        "requests": report["requests"],
        "rps": report["requests"] / seconds,
        "p50_ms": report["p50_us"] / 1000,
        "p95_ms": report["p95_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "max_ms": report["max_us"] / 1000,
        "errors": report["errors"],
    }


def machine() -> dict:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False).stdout  # noqa: S607
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), ""
        )
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "system": platform.platform()}


def pgbench(db_name: str, *, scale: int = 1, clients: int = 8, threads: int = 2, seconds: int = 10) -> dict | None:
    """pgbench TPC-B on the bench's PostgreSQL server, in its own database `db_name` (initialised at `scale` when it
    is not already): what the database alone does on this machine. None when pgbench is not installed."""
    if shutil.which("pgbench") is None:
        print("pgbench not found (Debian package postgresql-client): skipping the TPC-B baseline")
        return None
    import psycopg

    create_database(db_name)
    url = database_url(db_name)
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            current = conn.execute("SELECT count(*) FROM pgbench_branches").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            current = None
    if current != scale:
        subprocess.run(  # noqa: S603 - fixed argv
            ["pgbench", "-i", "-q", "-s", str(scale), url],  # noqa: S607 - the Debian package's pgbench on PATH
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    return pgbench_run(url, clients=clients, threads=threads, seconds=seconds) | {"scale": scale}


def pgbench_run(url: str, *extra: str, clients: int, threads: int, seconds: int) -> dict:
    """One timed pgbench run on `url` (`extra`: e.g. a custom script, `-f FILE -D NAME=VALUE`); its tps (without
    the initial connection time) and average latency."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["pgbench", "-c", str(clients), "-j", str(threads), "-T", str(seconds), *extra, url],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"pgbench failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", result.stdout)
    transactions = re.search(r"number of transactions actually processed: ([0-9]+)", result.stdout)
    return {
        "tps": float(tps.group(1)) if tps else None,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "transactions": int(transactions.group(1)) if transactions else None,
        "clients": clients,
        "seconds": seconds,
    }
