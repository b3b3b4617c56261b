"""Rate-limit windows counted in Redis: one script call for all of a request's windows (config.api.throttling)."""

import pytest
import redis

from tests.conftest import org_headers

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

URL = "/api/v1/organization"


def test_every_window_counter_expires(api, organization, client_token, settings):
    """A counter left without an expiry would refuse its caller for good once the limit is reached."""
    settings.API_RATE_LIMIT_PER_MINUTE = 5
    assert api.get(URL, **client_token, **org_headers(organization)).status_code == 200

    server = redis.Redis.from_url(settings.REDIS_URL)
    keys = server.keys("*rl:*")

    assert any(b":principal:client:" in key for key in keys)  # this API client's window
    assert any(b":installation:" in key for key in keys)
    assert all(0 < server.ttl(key) <= 65 for key in keys)


def test_counts_each_request_once_and_refuses_past_the_limit(api, organization, client_token, settings, frozen_clock):
    settings.API_RATE_LIMIT_PER_MINUTE = 3

    statuses = [api.get(URL, **client_token, **org_headers(organization)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = api.get(URL, **client_token, **org_headers(organization))
    assert 1 <= int(refused["Retry-After"]) <= 60


@pytest.fixture
def redis_commands(monkeypatch):
    """The commands this process sends to the real Redis (counted on the way out, still sent)."""
    sent: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        parts = command if isinstance(command, list | tuple) else [command]
        sent.append(b"".join(bytes(part) for part in parts))
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_both_limits_of_a_request_are_counted_in_one_round_trip(api, organization, client_token, redis_commands):
    response = api.get(URL, **client_token, **org_headers(organization))

    assert response.status_code == 200
    assert len(redis_commands) == 1  # the per-client window and the installation's, in one script call
    assert b":principal:client:" in redis_commands[0]
    assert b":installation:" in redis_commands[0]
