"""Which address a request comes from, for per-address limits (token endpoints, web and admin sign-in)."""

import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings


def client_address(request: HttpRequest) -> str:
    """The socket's peer (`REMOTE_ADDR`), unless `NUM_PROXIES` trusted proxies are configured in front.

    `X-Forwarded-For` is written by whoever sends the request, so without trusted proxies it is ignored: a client
    that varies it must not get a fresh budget per value. With N trusted proxies, each appends the address it saw,
    so the client is the N-th entry from the right; anything to the left of it was written by the client.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    num_proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not num_proxies or not forwarded:
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(num_proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a proxy we trust did not write it
        return remote_addr
