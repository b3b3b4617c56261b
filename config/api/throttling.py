"""Rate limits as DRF throttles over django-ratelimit's counters.

django-ratelimit keeps a fixed one-minute window per key with atomic cache increments (Redis `INCR` when
REDIS_URL is set), so concurrent workers share one count. DRF turns a refusal into `Throttled`, which the
exception handler renders as 429 with `Retry-After` in the dialect's shape.

DRF asks every throttle of a view, even after one has refused. The installation-wide ceiling is listed last and
is not spent by a request a narrower limit (per client, per address) already refused: otherwise one address
sending bad credentials would use up everyone's shared budget.
"""

import time
import zlib

from django.conf import settings
from django.core.cache import caches
from django_ratelimit.core import get_usage
from django_redis.cache import RedisCache
from redis.commands.core import Script
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60
# Set on the request by a narrow limit that refused it, so the ceiling (asked after it) does not count it.
REFUSED_ATTR = "refused_by_rate_limit"


class CacheWindowThrottle(BaseThrottle):
    group = "api"
    # False for a ceiling: a request that a limit asked before it refused is not counted against it.
    counts_refused_requests = True

    def limit_for(self, request) -> int | None:
        raise NotImplementedError

    def key_for(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        limit, key = self.limit_for(request), self.key_for(request)
        if not limit or key is None:
            return True
        usage = window_usage(request, group=self.group, key=key, limit=limit)
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
    counts_refused_requests = False

    def allow_request(self, request, view) -> bool:
        if getattr(request, REFUSED_ATTR, False):
            return True  # already refused (429): not a request the installation serves
        return super().allow_request(request, view)

    def limit_for(self, request) -> int | None:
        return settings.API_GLOBAL_RATE_LIMIT_PER_MINUTE

    def key_for(self, request) -> str | None:
        return "all"


# One round-trip: increment, and give a new counter its expiry (the window plus django-ratelimit's 5 s of slack).
_INCREMENT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"


# One round-trip for all of a request's windows, in the order DRF asks them: each is incremented (and given its
# expiry when new) unless it is a ceiling (ARGV flag 0) and an earlier one already refused the request.
_INCREMENT_ALL = """
local refused, counts = false, {}
for i, key in ipairs(KEYS) do
  if ARGV[2 * i + 1] == '0' and refused then
    counts[i] = 0
  else
    local n = redis.call('INCR', key)
    if n == 1 then redis.call('EXPIRE', key, ARGV[1]) end
    if n > tonumber(ARGV[2 * i]) then refused = true end
    counts[i] = n
  end
end
return counts
"""
_scripts: dict[str, Script] = {}


def _run_script(client, text: str, keys: list, args: list):
    """The script by its SHA1 (EVALSHA): Redis runs the copy it compiled, and the text crosses the network only when
    the server does not know it yet (a new or restarted server; redis-py's Script loads it then and retries)."""
    script = _scripts.get(text)
    if script is None:
        script = _scripts[text] = client.register_script(text)  # a race makes two, the same
    return script(keys=keys, args=args, client=client)


# Where count_windows leaves the answers on the request, by (group, key), for window_usage to pick up.
_COUNTED_ATTR = "_rate_limit_windows"


def count_windows(request, throttles) -> None:
    """Counts every window of the request's throttles in one Redis round-trip, before DRF asks them one by one.

    A view has two limits (per caller or address, then the installation's ceiling): counted separately, that is two
    round-trips on every API request. The script keeps the ceiling's rule (not spent by a request already refused).
    Does nothing unless the cache is Redis and every throttle is a CacheWindowThrottle; then each counts itself.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True) or not isinstance(caches["default"], RedisCache):
        return
    windows = []
    for throttle in throttles:
        if not isinstance(throttle, CacheWindowThrottle):
            return
        limit, key = throttle.limit_for(request), throttle.key_for(request)
        if limit and key is not None:
            windows.append((throttle, limit, key))
    if len(windows) < 2:
        return
    cache = caches["default"]
    now = int(time.time())
    ends = [_window_end(key, now) for _throttle, _limit, key in windows]
    keys = [cache.make_key(f"rl:{t.group}:{key}:{end}") for (t, _limit, key), end in zip(windows, ends, strict=True)]
    args = [WINDOW_SECONDS + 5]
    for throttle, limit, _key in windows:
        args += [limit, int(throttle.counts_refused_requests)]
    counts = _run_script(cache.client.get_client(write=True), _INCREMENT_ALL, keys, args)
    answers = {}
    for (throttle, limit, key), end, count in zip(windows, ends, counts, strict=True):
        if count:  # 0: not counted, because an earlier limit refused; its throttle will not be asked for a count
            answers[(throttle.group, key)] = _usage(count, limit, end, now)
    setattr(request, _COUNTED_ATTR, answers)


def _window_end(key: str, now: int) -> int:
    window = now - now % WINDOW_SECONDS + zlib.crc32(key.encode()) % WINDOW_SECONDS  # django-ratelimit's offset
    return window + WINDOW_SECONDS if window < now else window


def _usage(count: int, limit: int, window: int, now: int) -> dict:
    return {"count": count, "limit": limit, "should_limit": count > limit, "time_left": window - now}


def window_usage(request, *, group: str, key: str, limit: int) -> dict | None:
    """django-ratelimit's `get_usage` for a one-minute window, in one round-trip when the cache is Redis.

    `get_usage` adds the counter, then increments it: two round-trips per limit on every request, four for an API call
    (per caller and installation-wide). With Redis a server-side script does both at once; the window (per-key offset)
    and the answer (`count`, `limit`, `should_limit`, `time_left`) are django-ratelimit's. Other caches (the embedded
    local-memory one) go through `get_usage` itself.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    counted = getattr(request, _COUNTED_ATTR, {}).pop((group, key), None)
    if counted is not None:
        return counted
    if not isinstance(caches["default"], RedisCache):
        return get_usage(
            request, group=group, key=lambda _group, _request: key, rate=(limit, WINDOW_SECONDS), increment=True
        )
    now = int(time.time())
    window = _window_end(key, now)
    cache = caches["default"]
    client = cache.client.get_client(write=True)
    count = _run_script(client, _INCREMENT, [cache.make_key(f"rl:{group}:{key}:{window}")], [WINDOW_SECONDS + 5])
    return _usage(count, limit, window, now)
