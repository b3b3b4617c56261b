"""The base of every API view: its dialect, its permission rule (deny by default) and its schema defaults.

A view says three things and nothing else repeats them (CONVENTIONS.md, "The API edge"):

    class MemberViewSet(OrganizationViewSet):          # the dialect and how the organization is found
        permission_rule = Always(MANAGE_ORGANIZATION)  # config.api.permissions
        tags = ["Members"]

The dialect renders every error of the view (config.api.exceptions), its paginator shapes lists, and its
AutoSchema (config.api.schema) adds tags, shared parameters, security and the standard error responses to each
operation. A class with a handler its rule does not cover fails at import.
"""

from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from config.api.dialects import Dialect
from config.api.permissions import Rule, rule_gaps
from config.api.query import query_parameters
from config.api.throttling import count_windows
from config.api.validation import validated


class ApiViewMixin:
    dialect: ClassVar[Dialect]
    permission_rule: ClassVar[Rule | None] = None
    tags: ClassVar[list[str]] = []
    # OpenAPI parameters every operation of the view takes (e.g. the organization headers).
    schema_parameters: ClassVar[list] = []
    # Query parameters of the `list` action (besides the paginator's), read with `self.query()`.
    filter_serializer: ClassVar[type[Serializer] | None] = None
    # Domain field names whose wire path differs from the dialect's usual mapping (snake_case as is, camelCase for
    # network): {"parent_organization": ("parent_organization_id",)}. Applied to the domain errors the view raises.
    wire_field_names: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Whether a GET's JSON-object body carries query parameters too (the network dialect: config.api.query).
    get_body_parameters: ClassVar[bool] = False
    # No OPTIONS: the API's description is /api/schema/.
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        gaps = rule_gaps(cls)
        if gaps:
            raise ImproperlyConfigured(
                f"{cls.__module__}.{cls.__qualname__} answers {', '.join(gaps)} without a permission rule: declare "
                "`permission_rule` (Resource, PerMethod, Always, AUTHENTICATED or PUBLIC from config.api.permissions)."
            )

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # authentication, RulePermission, throttles
        if request.method.lower() in self.http_method_names and hasattr(self, request.method.lower()):
            permissions = self.resolve_context(request, **kwargs)
            self.permission_rule.check(request.method, permissions)

    def check_throttles(self, request) -> None:
        count_windows(request, self.get_throttles())  # every rate-limit window in one Redis round-trip
        super().check_throttles(request)

    def resolve_context(self, request, **kwargs) -> frozenset[str] | None:
        """Hook: find what the request addresses (an organization, an enterprise) and return the caller's
        permission codes there; None when the view addresses no organization."""
        return None

    def validated(self, serializer_class: type[Serializer], **context) -> dict:
        """The request body, validated by an input serializer (errors located in the body)."""
        return validated(serializer_class, self.request.data, context=context)

    def query_data(self):
        """The query parameters: the query string, and with `get_body_parameters` a GET's JSON-object body too
        (config.api.query)."""
        return query_parameters(self.request) if self.get_body_parameters else self.request.query_params

    def query(self, serializer_class: type[Serializer] | None = None) -> dict:
        """The query parameters, validated by `serializer_class` (default: the view's `filter_serializer`)."""
        return validated(serializer_class or self.filter_serializer, self.query_data(), source="query")

    def created(self, instance) -> Response:
        """201 with `instance` through the view's output serializer (`serializer_class`; viewsets)."""
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)
