"""Every API route is answered by a view that declares its dialect and a permission rule for each of its methods."""

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api.dialects import Dialect
from config.api.permissions import handler_methods
from config.api.views import ApiViewMixin
from organizations.models import PermissionCode

# The OpenAPI document and its two viewers describe the API; they are not part of it (public, read-only).
DOCUMENTATION_VIEWS = (SpectacularAPIView, SpectacularSwaggerView, SpectacularRedocView)


def api_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield route, pattern.callback


def test_the_walk_finds_the_api():
    routes = {route for route, _ in api_routes()}
    assert {"api/v1/oauth2/token", "api/v1/members", "api/v1/members/<uuid:pk>"} <= routes


def test_every_api_route_and_method_has_a_permission_rule_and_a_dialect():
    checked = 0
    for route, callback in api_routes():
        view_class = getattr(callback, "cls", None)
        assert view_class is not None, f"{route} is not a DRF view"
        if issubclass(view_class, DOCUMENTATION_VIEWS):
            continue
        assert issubclass(view_class, ApiViewMixin), f"{route}: {view_class.__name__} is not an API view"
        assert isinstance(view_class.dialect, Dialect), route
        rule = view_class.permission_rule
        assert rule is not None, route
        actions = getattr(callback, "actions", None)  # a viewset route answers only its mapped methods
        methods = {m.upper() for m in actions} - {"HEAD"} if actions else handler_methods(view_class)  # HEAD is GET
        assert methods, route
        for method in methods:
            assert rule.covers(method), f"{route} {method}: no rule"
            checked += 1
        assert rule.codes() <= set(PermissionCode.values), f"{route}: unknown permission code in {rule!r}"
    assert checked >= 15
