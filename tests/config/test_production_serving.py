"""Production serving defaults: gunicorn.conf.py (what the README's command uses) and persistent DB connections."""

import http.client
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.config.test_production_settings import _manage, _production_env

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def _load(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS", "GUNICORN_KEEPALIVE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_threads_and_one_worker_per_cpu_by_default(monkeypatch):
    config = _load(monkeypatch)

    assert config["worker_class"] == "gthread"
    assert config["workers"] == len(os.sched_getaffinity(0))
    assert config["threads"] >= 2
    assert config["keepalive"] >= 2


def test_the_environment_sets_workers_threads_and_keepalive(monkeypatch):
    config = _load(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="8", GUNICORN_KEEPALIVE="20")

    assert (config["workers"], config["threads"], config["keepalive"]) == (3, 8, 20)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served():
    """gunicorn with the repository's configuration, serving the benchmark's fixed-body WSGI app."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY"))}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, "-c", str(CONF), "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [*argv, "--pythonpath", str(ROOT / "bench"), "bare_wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_keeps_client_connections_open_between_requests(served):
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=5)
    try:
        connection.request("GET", "/")
        first = connection.getresponse()
        first.read()
        sock = connection.sock
        connection.request("GET", "/")
        second = connection.getresponse()
        second.read()

        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection", "").lower() != "close"
        assert connection.sock is sock  # the second request went over the same connection
    finally:
        connection.close()


def test_database_connections_persist_and_are_health_checked():
    """Production must not open a database connection per request (issue #5: 137 against 364 req/s on /healthz)."""
    show = (
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"
    )

    result = _manage("shell", "-c", show, env=_production_env())

    assert result.returncode == 0, result.stderr
    max_age, health_checks = result.stdout.split()[-2:]
    assert int(max_age) >= 60
    assert health_checks == "True"
