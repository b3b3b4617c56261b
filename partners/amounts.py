"""Amounts in base units (satoshi, wei, ...): integers of up to 78 digits, never floats (DESIGN.md §4).

On the wire they are canonical integer strings (`"100000000"` = 1 BTC); in PostgreSQL `NUMERIC(78,0)` (2^256 has 78
digits). SQLite (the embedded default) has no exact type that wide: its NUMERIC turns integers past 2^63 into
floats, so there the column is text holding the canonical string, exact but not numeric. Arithmetic and ordering on
amounts in SQL (`F()`, `Sum`, `amount__gt`) are therefore exact on PostgreSQL only; on SQLite do them in Python.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

MAX_AMOUNT_DIGITS = 78
_UNSIGNED = re.compile(r"0|[1-9][0-9]{0,77}", re.ASCII)
_SIGNED = re.compile(r"0|-?[1-9][0-9]{0,77}", re.ASCII)


def parse_amount(value: str, *, signed: bool = False) -> int:
    """The integer a canonical amount string stands for; ValueError for anything else.

    Canonical: ASCII digits only, no leading zeros (except "0" itself), at most 78 digits, and a leading "-" only
    when `signed` (never "-0"). No whitespace, "+", "_", decimal point or exponent.
    """
    if not isinstance(value, str):
        raise ValueError(f"an amount is a string of base units, not {type(value).__name__}")
    if not (_SIGNED if signed else _UNSIGNED).fullmatch(value):
        raise ValueError(f"not a canonical {'signed ' if signed else ''}integer string of at most 78 digits: {value!r}")
    return int(value)


def format_amount(value: Decimal | int) -> str:
    """The canonical string of an integral amount (`Decimal("1E+2")` → `"100"`, `Decimal("-0")` → `"0"`)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"an amount is an int or a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError(f"not an integral amount: {value}")
        value = int(value)
    text = str(value)
    if len(text.lstrip("-")) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"more than {MAX_AMOUNT_DIGITS} digits: {text}")
    return text


class AmountField(models.DecimalField):
    """An amount in base units: `NUMERIC(78,0)` on PostgreSQL, the canonical string on SQLite (module docstring).

    Values read back are `Decimal`s with no fraction; assign `int`s or `Decimal`s. Signs are the model's business:
    add a `CheckConstraint` (`amount__gte=0`) where an amount cannot be negative.
    """

    description = "Amount in base units (up to 78 digits)"

    def __init__(self, *args, **kwargs):
        kwargs["max_digits"] = MAX_AMOUNT_DIGITS
        kwargs["decimal_places"] = 0
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_digits"], kwargs["decimal_places"]
        return name, path, args, kwargs

    def get_internal_type(self):
        # Not "DecimalField": SQLite's backend would read the column through a float converter.
        return "AmountField"

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "text"
        return f"numeric({MAX_AMOUNT_DIGITS}, 0)"

    def rel_db_type(self, connection):
        return self.db_type(connection)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return Decimal(parse_amount(value, signed=True))
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from None
        value = super().to_python(value)
        if value is not None and value != value.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        if connection.vendor == "sqlite":
            return format_amount(value)
        return Decimal(format_amount(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, str):
            return Decimal(parse_amount(value, signed=True))
        if isinstance(value, float):  # SQLite arithmetic on the text column: refuse rather than round silently
            raise InvalidOperation(f"an amount came back from the database as a float ({value!r})")
        return Decimal(value)


# --- whole units, for people (pages, emails, the admin) -------------------------------------------------------------

_UNITS = re.compile(r"(-)?([0-9][0-9,]*)(?:\.([0-9]*))?", re.ASCII)
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+", re.ASCII)


def format_units(quantity: int | Decimal, decimals: int, code: str = "", *, signed: bool = False) -> str:
    """Base units as whole units of the currency, exact, with thousands separators and no trailing zeros:
    `format_units(25_000_000, 8, "tbtc")` → "0.25 tbtc", `format_units(-1234500000000, 8)` → "-12,345".
    `signed`: a "+" before positive amounts (a gain beside a loss)."""
    quantity = int(quantity)
    sign = "-" if quantity < 0 else ("+" if signed and quantity > 0 else "")
    whole, fraction = divmod(abs(quantity), 10**decimals) if decimals else (abs(quantity), 0)
    text = f"{sign}{whole:,}"
    if fraction:
        text += "." + str(fraction).rjust(decimals, "0").rstrip("0")
    return f"{text} {code}" if code else text


def parse_units(text: str, decimals: int) -> int:
    """Whole units typed by a person ("0.25", "1,000.5", "-3") as base units; ValueError when it is not a number,
    has more decimals than the currency (never rounded), or exceeds 78 digits. The decimal mark is a point; commas
    only group thousands ("0,25" is refused, not read as 25)."""
    match = _UNITS.fullmatch((text or "").strip().replace(" ", "").replace("_", ""))
    if match is None or (match.group(3) is not None and not match.group(3) and not match.group(2)):
        raise ValueError("Type a number, such as 0.25 or 1,000.")
    if "," in match.group(2) and not _GROUPED.fullmatch(match.group(2)):
        # "0,25" or "1,5" is a decimal comma somewhere else: refused rather than read as 25 or 15
        raise ValueError("Use a point for decimals (0.25); commas only group thousands (1,000).")
    sign, whole, fraction = match.group(1), match.group(2).replace(",", ""), match.group(3) or ""
    if len(fraction) > decimals:
        raise ValueError(f"This currency has {decimals} decimal places at most.")
    quantity = int(whole) * 10**decimals + (int(fraction.ljust(decimals, "0")) if decimals and fraction else 0)
    if len(str(quantity)) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"The amount has more than {MAX_AMOUNT_DIGITS} digits in base units.")
    return -quantity if sign else quantity
