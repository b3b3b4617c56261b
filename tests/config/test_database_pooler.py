"""DATABASE_POOLER: behind PgBouncer in transaction pooling mode, nothing the application asks of PostgreSQL outlives a
transaction (no holdable server-side cursor, no named prepared statement); config.checks reports settings that undo it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from config.checks import check_database_pooler, database_pooler_messages
from config.db import prepared_cursor

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER_URL = "postgres://partner_network@10.0.0.5:6432/partner_network?prepare_threshold=5"


def _databases(settings_module: str, **env: str) -> dict:
    """settings.DATABASES["default"] as a fresh process with only these variables sees it."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'], default=str))",
        ],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": settings_module,
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "example.com",
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("settings_module", ["config.settings.production", "config.settings.test"])
def test_pgbouncer_settings_keep_nothing_on_the_server_between_transactions(settings_module):
    database = _databases(settings_module, DATABASE_URL=PGBOUNCER_URL, DATABASE_POOLER="pgbouncer")

    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True  # .iterator() reads through a client-side cursor
    assert database["OPTIONS"]["prepare_threshold"] is None  # psycopg never prepares, whatever the URL said
    assert not database["OPTIONS"].get("server_side_binding")
    assert "pool" not in database["OPTIONS"]  # PgBouncer pools; no second pool in each process
    assert (database["HOST"], database["PORT"]) == ("10.0.0.5", 6432)


def test_pgbouncer_keeps_persistent_health_checked_connections_in_production():
    database = _databases("config.settings.production", DATABASE_URL=PGBOUNCER_URL, DATABASE_POOLER="pgbouncer")

    assert database["CONN_MAX_AGE"] == 600  # a client connection to PgBouncer per thread, kept
    assert database["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("pooler", ["", "none", "NONE"])
def test_without_a_pooler_server_side_cursors_stay_on(pooler):
    database = _databases(
        "config.settings.production",
        DATABASE_URL="postgres://partner_network@127.0.0.1:5432/partner_network",
        DATABASE_POOLER=pooler,
    )

    assert not database.get("DISABLE_SERVER_SIDE_CURSORS")
    # Prepared only when a statement asks (config.db.prepared_cursor), never by count.
    assert database["OPTIONS"]["prepare_threshold"] == 2**31 - 1


def test_pgbouncer_with_sqlite_changes_nothing_and_the_check_says_so():
    database = _databases("config.settings.test", DATABASE_URL="sqlite:///:memory:", DATABASE_POOLER="pgbouncer")

    assert "DISABLE_SERVER_SIDE_CURSORS" not in database
    assert "prepare_threshold" not in database.get("OPTIONS", {})  # sqlite3.connect() would refuse it
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": "sqlite:///:memory:",
            "DATABASE_POOLER": "pgbouncer",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "config.W010" in result.stdout + result.stderr


def test_an_unknown_pooler_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_POOLER": "pgpool"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_POOLER" in result.stderr


def _pgbouncer_database(**overrides) -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {"prepare_threshold": None},
        **overrides,
    }


def test_the_check_is_silent_when_the_settings_agree():
    assert database_pooler_messages("pgbouncer", {"default": _pgbouncer_database()}) == []


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"DISABLE_SERVER_SIDE_CURSORS": False}, "server-side cursors"),
        ({"OPTIONS": {"prepare_threshold": 5}}, "prepared statements"),
    ],
)
def test_the_check_warns_when_a_setting_undoes_the_pooler_mode(override, named):
    [warning] = database_pooler_messages("pgbouncer", {"default": _pgbouncer_database(**override)})

    assert warning.id == "config.W011"
    assert named in warning.msg


def test_the_check_warns_when_the_pooled_database_is_not_postgresql():
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3"}}

    assert [m.id for m in database_pooler_messages("pgbouncer", databases)] == ["config.W010"]


def test_the_check_ignores_settings_without_a_pooler():
    databases = {"default": _pgbouncer_database(DISABLE_SERVER_SIDE_CURSORS=False)}

    assert database_pooler_messages("none", databases) == []


def test_the_check_reads_the_running_settings():
    """What this run was started with agrees with itself, whatever DATABASE_POOLER it was given."""
    assert check_database_pooler(None) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_many_times_is_never_prepared():
    """psycopg prepares a statement it has run prepare_threshold times on the connection; a prepared statement lives
    in the server session, which behind a transaction-pooling PgBouncer is another client's next."""
    with connection.cursor() as cursor:
        for _ in range(20):
            cursor.execute("SELECT %s::int + 1", [1])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_hot_statements_are_prepared_on_a_direct_connection_only(settings):
    """config.db.prepared_cursor: PostgreSQL parses and plans its statement once per session on a direct connection;
    behind PgBouncer it is an ordinary cursor, and nothing is prepared."""
    sql = "SELECT %s::int + 1 AS prepared_once"

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%prepared_once%"])
            return cursor.fetchone()[0]

    settings.DATABASE_POOLER = "pgbouncer"
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [1])
        assert cursor.fetchone() == (2,)
    assert prepared() == 0

    if connection.connection.prepare_threshold is None:  # this run goes through PgBouncer: nothing more to see
        return
    settings.DATABASE_POOLER = "none"
    for n in range(3):
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, [n])
            assert cursor.fetchone() == (n + 1,)
    assert prepared() == 1  # once, run three times
