"""Rate limits as DRF throttles over django-ratelimit's counters.

django-ratelimit keeps a fixed one-minute window per key with atomic cache increments (Redis `INCR` when
REDIS_URL is set), so concurrent workers share one count. DRF turns a refusal into `Throttled`, which the
exception handler renders as 429 with `Retry-After` in the dialect's shape.

DRF asks every throttle of a view, even after one has refused. The installation-wide ceiling is listed last and
is not spent by a request a narrower limit (per client, per address) already refused: otherwise one address
sending bad credentials would use up everyone's shared budget.
"""

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60
# Set on the request by a narrow limit that refused it, so the ceiling (asked after it) does not count it.
REFUSED_ATTR = "refused_by_rate_limit"


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
        if usage["should_limit"]:
            setattr(request, REFUSED_ATTR, True)
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class InstallationRateThrottle(CacheWindowThrottle):
    """The installation-wide ceiling (API_GLOBAL_RATE_LIMIT_PER_MINUTE) across every caller.

    List it after the narrow limits: it counts only requests they let through.
    """

    group = "installation"

    def allow_request(self, request, view) -> bool:
        if getattr(request, REFUSED_ATTR, False):
            return True  # already refused (429): not a request the installation serves
        return super().allow_request(request, view)

    def limit_for(self, request) -> int | None:
        return settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE

    def key_for(self, request) -> str | None:
        return "all"
