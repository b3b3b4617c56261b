"""/healthz: 200 when the database (and Redis, when configured) answers; 503 naming what is down."""

import socket

import pytest

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


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
