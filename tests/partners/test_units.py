"""Whole units for people (partners.amounts.format_units / parse_units, and the `amounts` template library): exact
for every currency's decimals, from 0 and 1 base unit to 78-digit amounts; more decimals than the currency has are
refused, never rounded; the output is the same whatever the locale."""

import locale

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from partners.amounts import MAX_AMOUNT_DIGITS, format_units, parse_units
from partners.models import Currency

MAX_78 = 10**MAX_AMOUNT_DIGITS - 1  # the largest amount: 78 nines


@pytest.mark.parametrize(
    ("quantity", "decimals", "code", "expected"),
    [
        (0, 0, "tok", "0 tok"),
        (0, 6, "usdc", "0 usdc"),
        (0, 8, "tbtc", "0 tbtc"),
        (0, 18, "teth", "0 teth"),
        (1, 0, "tok", "1 tok"),
        (1, 6, "usdc", "0.000001 usdc"),
        (1, 8, "tbtc", "0.00000001 tbtc"),
        (1, 18, "teth", "0.000000000000000001 teth"),
        (25_000_000, 8, "tbtc", "0.25 tbtc"),
        (1_234_567_890_000, 6, "usdc", "1,234,567.89 usdc"),
        (100 * 10**18, 18, "teth", "100 teth"),
        (1_000_000, 0, "tok", "1,000,000 tok"),
        (-123_450_000_000, 8, "", "-1,234.5"),
        (MAX_78, 0, "", f"{MAX_78:,}"),
        (MAX_78, 18, "teth", f"{10**60 - 1:,}.999999999999999999 teth"),
    ],
)
def test_format_units_is_exact_for_every_decimals(quantity, decimals, code, expected):
    assert format_units(quantity, decimals, code) == expected


@pytest.mark.parametrize("decimals", [0, 6, 8, 18])
@pytest.mark.parametrize("quantity", [0, 1, 10, 999, 10**8, 25_000_000, 10**77, MAX_78])
def test_whole_units_round_trip_exactly(decimals, quantity):
    assert parse_units(format_units(quantity, decimals), decimals) == quantity


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("0.25", 8, 25_000_000),
        ("0.00000001", 8, 1),
        ("1", 0, 1),
        ("1,000.5", 6, 1_000_500_000),
        ("1,234,567", 0, 1_234_567),
        ("  2.50 ", 2, 250),
        ("0.000000000000000001", 18, 1),
        ("5.", 8, 500_000_000),
        (f"{10**60 - 1}.999999999999999999", 18, MAX_78),
    ],
)
def test_parse_units(text, decimals, expected):
    assert parse_units(text, decimals) == expected


@pytest.mark.parametrize(
    ("text", "decimals", "message"),
    [
        ("0.123456789", 8, "8 decimal places at most"),  # rounding refused, not guessed
        ("0.5", 0, "0 decimal places at most"),
        ("0.0000001", 6, "6 decimal places at most"),
        ("1" + "0" * 60, 18, "more than 78 digits"),  # 79 digits in base units
        ("0,25", 8, "Use a point for decimals"),  # a decimal comma is refused, not read as 25
        ("1,5", 8, "Use a point for decimals"),
        ("1,0000", 8, "Use a point for decimals"),
        ("", 8, "Type a number"),
        ("abc", 8, "Type a number"),
        ("1e3", 8, "Type a number"),
        ("0.2.5", 8, "Type a number"),
        ("NaN", 8, "Type a number"),
    ],
)
def test_parse_units_refuses(text, decimals, message):
    with pytest.raises(ValueError, match=message):
        parse_units(text, decimals)


def test_format_units_ignores_the_process_locale():
    """Python's "," format is never the locale's: the same digits under a locale with other separators."""
    previous = locale.setlocale(locale.LC_ALL)
    try:
        for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8", "C"):
            try:
                locale.setlocale(locale.LC_ALL, name)
            except locale.Error:
                continue  # not installed here
            assert format_units(123_456_789_012, 8, "tbtc") == "1,234.56789012 tbtc"
            assert parse_units("1,234.56789012", 8) == 123_456_789_012
    finally:
        locale.setlocale(locale.LC_ALL, previous)


@pytest.mark.django_db
@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_the_template_filters_are_locale_independent():
    tbtc = Currency.objects.get(code="tbtc")
    template = Template("{% load amounts %}{{ q|units:currency }} — {{ q|base_units }}")
    for language in ("en", "de", "fr"):
        with translation.override(language):
            rendered = template.render(Context({"q": 123_456_789_012, "currency": tbtc}))
        assert rendered == "1,234.56789012 tbtc — 123,456,789,012 base units"
