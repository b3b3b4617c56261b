"""The two pagination styles (DESIGN.md §2). Both validate their parameters strictly instead of clamping."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from config.errors import FieldError, ValidationFailed

_ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")
_BIGGEST = 10**15  # an offset or page number past any table, still a valid SQL bigint once multiplied


def _int_param(request, name: str, *, default: int, minimum: int, maximum: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: int() also takes "1_0", " 1" and Arabic-Indic digits. At most 18 digits (a bigint).
    if not _ASCII_INTEGER.fullmatch(raw):
        raise ValidationFailed([FieldError(("query", name), f"{name} must be an integer.", "invalid")])
    value = int(raw)
    if maximum is None and value > _BIGGEST:
        maximum = _BIGGEST
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        code = "min_value" if value < minimum else "max_value"
        raise ValidationFailed([FieldError(("query", name), f"{name} must be {bound}.", code)])
    return value


@dataclass
class OffsetPage:
    """Organization API: `?limit=1..100&offset=N` → `{"items": [...], "total_items": N}`."""

    items: list
    total_items: int

    DEFAULT_LIMIT = 50
    MAX_LIMIT = 100

    @classmethod
    def from_request(cls, request, queryset: QuerySet) -> "OffsetPage":
        limit = _int_param(request, "limit", default=cls.DEFAULT_LIMIT, minimum=1, maximum=cls.MAX_LIMIT)
        offset = _int_param(request, "offset", default=0, minimum=0, maximum=None)
        total = queryset.count()
        return cls(items=list(queryset[offset : offset + limit]) if offset < total else [], total_items=total)


@dataclass
class PageNumberPage:
    """Network API: `?pageNumber=0..&pageSize=1..500` (0-based) → a list under the endpoint's own key."""

    items: list

    DEFAULT_PAGE_SIZE = 100
    MAX_PAGE_SIZE = 500

    @classmethod
    def from_request(cls, request, queryset: QuerySet) -> "PageNumberPage":
        size = _int_param(request, "pageSize", default=cls.DEFAULT_PAGE_SIZE, minimum=1, maximum=cls.MAX_PAGE_SIZE)
        number = _int_param(request, "pageNumber", default=0, minimum=0, maximum=None)
        start = number * size
        return cls(items=list(queryset[start : start + size]))
