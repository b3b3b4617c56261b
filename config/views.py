import functools
import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.api.dialects import dialect_for_path

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers (and Redis, when configured); 503 naming what is down."""
    checks: dict[str, str] = {"database": _database_status()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_status(settings.REDIS_URL)
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def _database_status() -> str:
    try:
        # The cursor first gets Django's health check of a reused connection (CONN_HEALTH_CHECKS), which replaces one
        # the server closed; config.postgresql makes that check without a round trip, so this SELECT 1 is the probe.
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("Health check: database unavailable")
        return "unavailable"
    return "ok"


def _redis_status(url: str) -> str:
    import redis

    try:
        _redis_client(url).ping()
        return "ok"
    except redis.RedisError:
        logger.warning("Health check: Redis unavailable")
        return "unavailable"


@functools.lru_cache(maxsize=4)
def _redis_client(url: str):
    """One client (and connection pool) per URL for the life of the process: a ping reuses a pooled connection
    instead of connecting each time. A connection that broke is dropped by the pool and the next ping reconnects."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1, health_check_interval=30)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """`handler400`: a request refused before any view or the API error fallback runs (an invalid `Host` header,
    refused by Django's middleware) is answered on API paths in the dialect's error shape, never as an HTML page."""
    dialect = dialect_for_path(request.path)
    if dialect is None:
        return defaults.bad_request(request, exception, template_name)
    return dialect.error_response(status=400, message="Bad request.", request_id=getattr(request, "request_id", "-"))
