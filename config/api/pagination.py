"""The two pagination styles (DESIGN.md §2), as DRF paginators.

Their query parameters are read by a query serializer (validated strictly, no silent clamping, and documented in
the OpenAPI schema by `config.api.schema.DialectAutoSchema`); the envelope comes from `get_paginated_response`, and
its schema from `get_paginated_response_schema`, so a list action is `return self.page(queryset, ItemOutput)`.
"""

from functools import cache

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from config.api.fields import QueryIntegerField
from config.api.validation import validated

# Far beyond any real list, and small enough that offset + limit stays a 64-bit SQL integer.
MAX_OFFSET = 10**15


def _query_data(request, view):
    """The view's query parameters (config.api.views.ApiViewMixin.query_data), or the query string's."""
    return view.query_data() if hasattr(view, "query_data") else request.query_params


class OffsetPageQuery(serializers.Serializer):
    limit = QueryIntegerField(min_value=1, max_value=100, default=50, help_text="Items per page (1..100).")
    offset = QueryIntegerField(min_value=0, max_value=MAX_OFFSET, default=0, help_text="Items to skip.")


class PageNumberQuery(serializers.Serializer):
    pageNumber = QueryIntegerField(
        source="page_number", min_value=0, max_value=MAX_OFFSET // 500, default=0, help_text="0-based page number."
    )
    pageSize = QueryIntegerField(
        source="page_size", min_value=1, max_value=500, default=100, help_text="Items per page (1..500)."
    )


class SeedPageNumberQuery(serializers.Serializer):
    """Seed 001's page-number parameters: the network dialect's names with its own bounds and defaults."""

    pageNumber = QueryIntegerField(
        source="page_number", min_value=0, max_value=MAX_OFFSET // 100, default=0, help_text="0-based page number."
    )
    pageSize = QueryIntegerField(
        source="page_size", min_value=1, max_value=100, default=50, help_text="Items per page (1..100)."
    )


class OffsetPagination(BasePagination):
    """Organization API: `?limit=1..100&offset=N` → `{"items": [...], "total_items": N}`."""

    query_serializer = OffsetPageQuery

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        query = validated(self.query_serializer, _query_data(request, view), source="query")
        limit, offset = query["limit"], query["offset"]
        self.total_items = queryset.count()
        return list(queryset[offset : offset + limit]) if offset < self.total_items else []

    def get_paginated_response(self, data) -> Response:
        return Response({"items": data, "total_items": self.total_items})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["items", "total_items"],
            "properties": {"items": schema, "total_items": {"type": "integer", "minimum": 0}},
        }

    def get_schema_operation_parameters(self, view) -> list:
        return []  # documented from `query_serializer` by the dialect's AutoSchema


class PageNumberPagination(BasePagination):
    """`?pageNumber=0..&pageSize=1..` (0-based) → `{"<key>": [...]}`, plus `"<total_key>": N` when `total_key` is
    set. Two dialects use it: the network API (`network_pagination`, no total) and seed 001's partner API
    (`SeedPagination`: `{"partners": [...], "totalCount": N}`, its own bounds)."""

    query_serializer: type[serializers.Serializer] = PageNumberQuery
    key = "items"
    total_key: str | None = None

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        query = validated(self.query_serializer, _query_data(request, view), source="query")
        start = query["page_number"] * query["page_size"]
        if self.total_key is None:
            return list(queryset[start : start + query["page_size"]])
        self.total = queryset.count()
        return list(queryset[start : start + query["page_size"]]) if start < self.total else []

    def get_paginated_response(self, data) -> Response:
        if self.total_key is None:
            return Response({self.key: data})
        return Response({self.key: data, self.total_key: self.total})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        if self.total_key is None:
            return {"type": "object", "required": [self.key], "properties": {self.key: schema}}
        return {
            "type": "object",
            "required": [self.key, self.total_key],
            "properties": {self.key: schema, self.total_key: {"type": "integer", "minimum": 0}},
        }

    def get_schema_operation_parameters(self, view) -> list:
        return []  # documented from `query_serializer` by the dialect's AutoSchema


@cache
def network_pagination(key: str) -> type[PageNumberPagination]:
    """The network dialect's paginator for a list wrapped under `key`, e.g. `network_pagination("partners")`."""
    return type(f"PageNumberPagination_{key}", (PageNumberPagination,), {"key": key})


class SeedPagination(PageNumberPagination):
    """Seed 001's partner list: `?pageNumber=0..&pageSize=1..100` (defaults 0 and 50) →
    `{"partners": [...], "totalCount": N}`."""

    query_serializer = SeedPageNumberQuery
    key = "partners"
    total_key = "totalCount"
