"""config.postgresql: Django's PostgreSQL backend whose health check of a reused connection costs no round trip."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _other():
    settings_dict = connection.settings_dict
    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    )


def _last_query_of(backend_pid: int) -> str:
    with _other() as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [backend_pid]).fetchone()[0]


def _direct_only(settings) -> None:
    if settings.DATABASE_POOLER != "none":
        pytest.skip("a PostgreSQL backend pid is PgBouncer's own behind it (test_healthz covers a closed socket)")


def test_the_backend_is_djangos_postgresql_backend():
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    assert connection.vendor == "postgresql"


def test_a_healthy_idle_connection_is_usable_without_asking_the_server(settings):
    _direct_only(settings)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last query', pg_backend_pid()")
        backend_pid = cursor.fetchone()[1]

    assert connection.is_usable()

    # PostgreSQL shows a session's latest statement: Django's SELECT 1 would have replaced ours.
    assert _last_query_of(backend_pid) == "SELECT 'the last query', pg_backend_pid()"


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced_before_the_next_query(settings):
    _direct_only(settings)
    connection.ensure_connection()
    dead = connection.connection
    with _other() as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [dead.info.backend_pid])  # waits for it to end
    time.sleep(0.05)  # its goodbye crosses the loopback

    assert not connection.is_usable()

    connection.health_check_enabled, connection.health_check_done = True, False  # a new request, health checks on
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not dead


def test_a_failed_statement_leaves_the_connection_usable_and_kept():
    connection.ensure_connection()
    kept = connection.connection
    connection.close_at = time.monotonic() + 600  # a persistent connection (CONN_MAX_AGE), as in production
    with pytest.raises(Exception, match="no_such_table"), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")

    assert connection.errors_occurred
    connection.close_if_unusable_or_obsolete()  # what Django does at the end of every request: asks is_usable()

    assert connection.connection is kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
