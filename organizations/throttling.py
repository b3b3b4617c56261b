from django.conf import settings

from config.api.throttling import CacheWindowThrottle
from config.net import client_address
from organizations.access import caller_for_request


class PrincipalRateThrottle(CacheWindowThrottle):
    """Per API client or user (API_RATE_LIMIT_PER_MINUTE, or the client's own limit); per IP when anonymous."""

    group = "principal"

    def limit_for(self, request) -> int | None:
        caller = caller_for_request(request)
        if caller is not None and caller.api_client is not None and caller.api_client.rate_limit_per_minute:
            return caller.api_client.rate_limit_per_minute
        return settings.API_RATE_LIMIT_PER_MINUTE

    def key_for(self, request) -> str | None:
        caller = caller_for_request(request)
        return caller.rate_limit_key if caller is not None else f"ip:{client_address(request)}"


class CredentialsRateThrottle(CacheWindowThrottle):
    """Token endpoints: per IP, far stricter than API calls, against password and secret guessing."""

    group = "credentials"

    def limit_for(self, request) -> int | None:
        return settings.API_CREDENTIALS_RATE_LIMIT_PER_MINUTE

    def key_for(self, request) -> str | None:
        return f"ip:{client_address(request)}"
