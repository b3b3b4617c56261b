"""Rate limits as DRF throttles over django-ratelimit's counters.

django-ratelimit keeps a fixed one-minute window per key with atomic cache increments (Redis `INCR` when
REDIS_URL is set), so concurrent workers share one count. DRF turns a refusal into `Throttled`, which the
exception handler renders as 429 with `Retry-After` in the dialect's shape.
"""

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


class CacheWindowThrottle(BaseThrottle):
    group = "api"

    def limit_for(self, request) -> int | None:
        raise NotImplementedError

    def key_for(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        limit, key = self.limit_for(request), self.key_for(request)
        if not limit or key is None:
            return True
        usage = get_usage(
            request, group=self.group, key=lambda _group, _request: key, rate=(limit, WINDOW_SECONDS), increment=True
        )
        if usage is None:  # RATELIMIT_ENABLE is off
            return True
        self._wait = max(int(usage["time_left"]), 1)
        return not usage["should_limit"]

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class InstallationRateThrottle(CacheWindowThrottle):
    """The installation-wide ceiling (API_GLOBAL_RATE_LIMIT_PER_MINUTE) across every caller."""

    group = "installation"

    def limit_for(self, request) -> int | None:
        return settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE

    def key_for(self, request) -> str | None:
        return "all"
