"""/healthz: 200 when the database (and Redis, when configured) answers; 503 naming what is down."""

import contextlib
import os
import socket
import threading
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""  # only the database is configured

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_unavailable_redis_is_a_503_naming_redis(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "redis": "unavailable"}


@pytest.mark.redis
def test_reports_the_real_redis_ok(client, settings):
    assert settings.REDIS_URL  # the `redis` marker only runs this when REDIS_URL answers

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


class RedisRelay:
    """A TCP relay in front of the real Redis that counts the connections opened through it and can be cut."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.path = parts.path
        self.port = _closed_port()
        self.accepted = 0
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self.path}"

    def start(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen()
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        """Like Redis going away: the port refuses connections and open ones are closed."""
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                downstream, _ = listener.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self.upstream)
            self._sockets += [downstream, upstream]
            for source, sink in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def redis_relay(settings):
    relay = RedisRelay(settings.REDIS_URL)
    relay.start()
    settings.REDIS_URL = relay.url
    yield relay
    relay.stop()


@pytest.mark.redis
def test_reuses_one_redis_connection_across_calls(client, redis_relay):
    for _ in range(10):
        assert client.get("/healthz").status_code == 200

    assert redis_relay.accepted == 1


@pytest.mark.redis
def test_names_redis_while_it_is_down_and_recovers_when_it_is_back(client, redis_relay):
    assert client.get("/healthz").status_code == 200

    redis_relay.stop()
    down = client.get("/healthz")
    redis_relay.start()
    back = client.get("/healthz")

    assert down.status_code == 503
    assert down.json()["checks"] == {"database": "ok", "redis": "unavailable"}
    assert back.status_code == 200
    assert back.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


def _as_at_the_start_of_a_production_request() -> None:
    """A persistent connection (CONN_MAX_AGE) reused by a new request, with CONN_HEALTH_CHECKS on: Django checks it
    before its first query of the request. (The test client leaves connection handling to the test.)"""
    connection.ensure_connection()
    connection.health_check_enabled = True
    connection.health_check_done = False


@pytest.mark.parametrize("health_checks", [True, False], ids=["health checks on", "health checks off"])
def test_the_probe_is_one_query(client, settings, django_assert_num_queries, health_checks):
    """With health checks on, Django checks a reused connection before its first query; that check asks no query
    of the database (config.postgresql), so the probe's own SELECT 1 is the one round trip either way."""
    settings.REDIS_URL = ""
    _as_at_the_start_of_a_production_request()
    connection.health_check_enabled = health_checks

    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_that_died_is_replaced_and_reported_ok(client, settings):
    settings.REDIS_URL = ""
    _as_at_the_start_of_a_production_request()
    dead = connection.connection
    if settings.DATABASE_POOLER == "pgbouncer":
        # The backend pid psycopg was given is PgBouncer's own, not a PostgreSQL backend's. What dies under the
        # application is its connection to PgBouncer (a PgBouncer restart): the socket goes, as when it closes.
        socket.socket(fileno=os.dup(dead.fileno())).shutdown(socket.SHUT_RDWR)
    else:
        with psycopg.connect(_url(connection.settings_dict), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [dead.info.backend_pid])

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}
    assert connection.connection is not dead and dead.closed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_behind_pgbouncer_a_server_session_that_died_is_not_seen_by_the_application(client, settings):
    """Transaction pooling: the application's connection is to PgBouncer, which lends it a server session per
    transaction. A terminated session is PgBouncer's to replace; the kept connection goes on answering."""
    if settings.DATABASE_POOLER != "pgbouncer":
        pytest.skip("needs DATABASE_POOLER=pgbouncer (a server session is the connection itself without it)")
    settings.REDIS_URL = ""
    served_by = _server_pid()
    _as_at_the_start_of_a_production_request()
    kept = connection.connection
    # PgBouncer may lend `other` that very session (it is idle in the pool): then it ends its own.
    with (
        psycopg.connect(_url(connection.settings_dict), autocommit=True) as other,
        contextlib.suppress(psycopg.OperationalError),
    ):
        other.execute("SELECT pg_terminate_backend(%s)", [served_by])

    responses = [client.get("/healthz") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert _server_pid() != served_by
    assert connection.connection is kept and not kept.closed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_down_is_a_503_naming_the_database(client, settings):
    settings.REDIS_URL = ""
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = _closed_port()
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}


def _server_pid() -> int:
    """The PostgreSQL backend that runs this connection's transaction (behind PgBouncer: the session it lent)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _url(settings_dict) -> str:
    return (
        f"postgresql://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
