"""Validators shared by API serializers, web forms and services."""

import unicodedata

from django.core.exceptions import ValidationError

# Characters that change how the text around them is displayed without being visible themselves: bidi overrides,
# embeddings, isolates and marks, and zero-width characters. In a name they can make "Acme" look like something else.
_INVISIBLE = frozenset(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, *range(0x200B, 0x200E), 0x2060, 0xFEFF]
)
# Control (Cc), format (Cf) and lone surrogate (Cs) characters have no business in a name either.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def refused_display_character(value: str) -> str | None:
    """The first character of `value` that may not appear in a displayed name, or None."""
    for char in value:
        if ord(char) in _INVISIBLE or unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def validate_display_name(value: str) -> None:
    """Names and labels shown on pages: no control, format (bidi, zero-width) or surrogate characters."""
    char = refused_display_character(value)
    if char is not None:
        raise ValidationError(
            "Remove the invisible or control character U+%(code)04X: names may only hold visible text and spaces.",
            code="invalid_character",
            params={"code": ord(char)},
        )


def clean_display_name(field: str, value: str) -> str:
    """A name or label a service stores, stripped: not blank and no invisible or control characters, or
    ValidationFailed naming `field`."""
    from config.errors import ValidationFailed

    value = value.strip()
    if not value:
        raise ValidationFailed.single(field, f"{field.replace('_', ' ').capitalize()} must not be blank.", "blank")
    try:
        validate_display_name(value)
    except ValidationError as exc:
        raise ValidationFailed.single(field, exc.messages[0], "invalid_character") from None
    return value
