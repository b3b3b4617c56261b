"""Shared fixtures, and the rule for tests that need real services.

Tests marked `postgres` run only when the test database is PostgreSQL (DATABASE_URL); tests marked `redis` only
when REDIS_URL answers. Otherwise they are skipped with the reason printed — unless REQUIRE_SERVICES=1 (set by
.ci/run), where a missing service fails the run instead.
"""

import os

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.tokens import token_issue_for_client, token_issue_for_membership
from tests.factories.organizations import ApiClientFactory, MembershipFactory, OrganizationFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"database: {db}; redis: {'yes' if _redis_available() else 'no'}; REQUIRE_SERVICES={int(REQUIRE_SERVICES)}"]


def _drop_test_databases_with_force() -> None:
    """Behind PgBouncer (DATABASE_POOLER=pgbouncer) the test database is still in use when pytest-django drops it at
    the end of the run, or replaces one an interrupted run left: by the server sessions PgBouncer keeps for it, idle in
    its pool. DROP DATABASE ... WITH (FORCE) (PostgreSQL 13) ends those sessions first; PgBouncer drops them."""
    from django.db.backends.postgresql.creation import DatabaseCreation

    def _destroy_test_db(self, test_database_name, verbosity):
        self.connection.close_pool()
        with self._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE {self.connection.ops.quote_name(test_database_name)} WITH (FORCE)")

    DatabaseCreation._destroy_test_db = _destroy_test_db


def pytest_sessionstart(session):
    if getattr(settings, "DATABASE_POOLER", "none") == "pgbouncer" and _postgres_available():
        _drop_test_databases_with_force()
    if REQUIRE_SERVICES:
        missing = [
            name for name, ok in (("PostgreSQL", _postgres_available()), ("Redis", _redis_available())) if not ok
        ]
        if missing:
            pytest.exit(f"REQUIRE_SERVICES=1 but not available: {', '.join(missing)}", returncode=3)


def pytest_runtest_setup(item):
    needs = {
        "postgres": (_postgres_available, "needs PostgreSQL: set DATABASE_URL=postgres://..."),
        "redis": (_redis_available, "needs Redis: set REDIS_URL=redis://..."),
    }
    for marker, (available, reason) in needs.items():
        if item.get_closest_marker(marker) and not available():
            if REQUIRE_SERVICES:
                pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_clock():
    """Rate-limit windows are fixed minutes: freeze time so a test's requests cannot straddle a window boundary."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def owner(organization):
    return MembershipFactory(organization=organization).user


def org_headers(requester, target=None) -> dict[str, str]:
    return {
        "HTTP_REQUESTER_ORGANIZATION_ID": str(requester.pk),
        "HTTP_TARGET_ORGANIZATION_ID": str((target or requester).pk),
    }


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def client_token(organization):
    """A bearer header for an API client of `organization` holding every permission."""
    api_client = ApiClientFactory(organization=organization)
    return bearer(token_issue_for_client(api_client=api_client).access_token)


@pytest.fixture
def member_token():
    """Make a bearer header for a user with a role in an organization: member_token(org, role)."""

    def make(organization, role="owner"):
        membership = MembershipFactory(organization=organization, role=role)
        return bearer(token_issue_for_membership(membership=membership).access_token)

    return make
