"""Array query parameters. The network dialect accepts comma-separated and repeated forms alike."""

import uuid

from config.errors import FieldError, ValidationFailed


def array_param(request, name: str, *, comma_separated: bool = True, choices: set[str] | None = None) -> list[str]:
    """`?statuses=cleared,released&statuses=failed` → ["cleared", "released", "failed"] (order kept, no duplicates)."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        parts = raw.split(",") if comma_separated else [raw]
        for part in (p.strip() for p in parts):
            if part and part not in values:
                values.append(part)
    if choices is not None:
        unknown = [v for v in values if v not in choices]
        if unknown:
            allowed = ", ".join(sorted(choices))
            raise ValidationFailed(
                [FieldError(("query", name), f"Unknown value(s) {', '.join(unknown)}; allowed: {allowed}.", "enum")]
            )
    return values


def uuid_array_param(request, name: str, *, comma_separated: bool = True) -> list[uuid.UUID]:
    out = []
    for value in array_param(request, name, comma_separated=comma_separated):
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            raise ValidationFailed(
                [FieldError(("query", name), f"'{value}' is not a valid UUID.", "invalid_uuid")]
            ) from None
    return out
