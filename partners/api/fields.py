"""Serializer fields of the network dialect for partners and amounts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.amounts import MAX_AMOUNT_DIGITS, format_amount, parse_amount

_AMOUNT_SCHEMA = {
    "type": "string",
    "pattern": rf"^(0|[1-9][0-9]{{0,{MAX_AMOUNT_DIGITS - 1}}})$",
    "maxLength": MAX_AMOUNT_DIGITS,
    "description": "An amount in base units as a string of digits (100000000 is 1 BTC).",
    "example": "100000000",
}
_SIGNED_AMOUNT_SCHEMA = {
    **_AMOUNT_SCHEMA,
    "pattern": rf"^(0|-?[1-9][0-9]{{0,{MAX_AMOUNT_DIGITS - 1}}})$",
    "maxLength": MAX_AMOUNT_DIGITS + 1,
    "description": "A signed amount in base units as a string of digits, '-' for a loss (-100000000 is -1 BTC).",
    "example": "-100000000",
}


@extend_schema_field(_AMOUNT_SCHEMA)
class AmountStringField(serializers.Field):
    """An amount in base units, a JSON string on the wire (`"100000000"`); an `int` inside.

    Only canonical strings are taken: digits, no leading zeros, at most 78 digits, a `-` only with `signed=True`.
    A JSON number is refused (it may already have lost precision in the caller's JSON encoder).
    """

    default_error_messages = {
        "not_a_string": 'Send the amount as a string of base units, e.g. "100000000".',
        "invalid": "Not an amount: use base units as a string of digits with no sign, leading zeros, "
        "spaces, decimal point or exponent, at most 78 digits.",
        "invalid_signed": "Not an amount: use base units as a string of digits with an optional leading '-' "
        "and no leading zeros, spaces, decimal point or exponent, at most 78 digits.",
    }

    def __init__(self, *, signed: bool = False, **kwargs) -> None:
        self.signed = signed
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> int:
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            return parse_amount(data, signed=self.signed)
        except ValueError:
            self.fail("invalid_signed" if self.signed else "invalid")

    def to_representation(self, value) -> str:
        return format_amount(value)


@extend_schema_field(_SIGNED_AMOUNT_SCHEMA)
class SignedAmountStringField(AmountStringField):
    """A signed amount (settlement gains and losses): `"-100"` is taken."""

    def __init__(self, **kwargs) -> None:
        super().__init__(signed=True, **kwargs)
