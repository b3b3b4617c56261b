"""Input validation at the API edge: a serializer's errors become one `ValidationFailed` located at its source."""

from config.api.exceptions import flatten_validation_detail
from config.errors import ValidationFailed


def validated(serializer_class, data, *, source: str = "body", context: dict | None = None) -> dict:
    """`serializer_class(data=data)`'s validated data, or ValidationFailed naming each bad input at `source`
    (body, query, header, path)."""
    serializer = serializer_class(data=data, context=context or {})
    if not serializer.is_valid():
        raise ValidationFailed(flatten_validation_detail(serializer.errors, source=source))
    return serializer.validated_data
