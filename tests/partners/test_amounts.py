"""Amounts in base units: canonical strings in, exact integers stored, the same strings out."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from partners.amounts import AmountField, format_amount, parse_amount

MAX_78 = "9" * 78
TWO_TO_256 = str(2**256)  # 78 digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("1", 1), ("100000000", 100_000_000), (MAX_78, 10**78 - 1), (TWO_TO_256, 2**256)],
)
def test_parse_amount_takes_canonical_integer_strings(text, expected):
    assert parse_amount(text) == expected
    assert format_amount(parse_amount(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "+1",
        "01",
        "00",
        " 1",
        "1 ",
        "1\n",
        "1_000",
        "1.0",
        "1.",
        "1e8",
        "1E8",
        "0x10",
        "NaN",
        "Infinity",
        "\u0661\u0662",  # Arabic-Indic digits: int() takes them
        "\uff11",  # fullwidth digit
        "1" * 79,
        "-0",
    ],
)
def test_parse_amount_refuses_anything_else(text):
    with pytest.raises(ValueError, match="not a canonical"):
        parse_amount(text)


@pytest.mark.parametrize("value", [100, 1.0, None, True, b"1", Decimal("1")])
def test_parse_amount_takes_strings_only(value):
    with pytest.raises(ValueError, match="an amount is a string of base units"):
        parse_amount(value)


def test_signed_amounts():
    assert parse_amount("-100", signed=True) == -100
    assert parse_amount("-" + MAX_78, signed=True) == -(10**78 - 1)
    assert parse_amount("0", signed=True) == 0
    for text in ("-0", "--1", "-01", "+1", "- 1", "-" + "1" * 79):
        with pytest.raises(ValueError, match="not a canonical signed integer"):
            parse_amount(text, signed=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (-5, "-5"),
        (Decimal("100000000"), "100000000"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0"), "0"),
        (Decimal("12.000"), "12"),
        (10**78 - 1, MAX_78),
        (Decimal(MAX_78), MAX_78),
    ],
)
def test_format_amount(value, expected):
    assert format_amount(value) == expected


@pytest.mark.parametrize("value", [Decimal("1.5"), Decimal("NaN"), Decimal("Infinity"), 10**78, 1.0, "1", True])
def test_format_amount_refuses_what_is_not_an_integral_amount(value):
    with pytest.raises(ValueError):
        format_amount(value)


class Holding(models.Model):
    """A model made for these tests only: its table is created and dropped around each of them."""

    amount = AmountField()
    signed = AmountField(null=True)

    class Meta:
        app_label = "partners"
        db_table = "test_amounts_holding"
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="test_holding_amount_gte_0")]

    def __str__(self) -> str:
        return str(self.amount)


@pytest.fixture
def holding_table(transactional_db):
    with connection.schema_editor() as editor:
        editor.create_model(Holding)
    yield Holding
    with connection.schema_editor() as editor:
        editor.delete_model(Holding)


@pytest.mark.parametrize("amount", ["0", "1", "100000000", str(2**63), str(2**64 + 1), TWO_TO_256, MAX_78])
def test_amounts_round_trip_exactly_through_the_database(holding_table, amount):
    """Past 2^63 SQLite's NUMERIC would store a float; PostgreSQL's NUMERIC(78,0) and SQLite's text keep every digit."""
    row = holding_table.objects.create(amount=parse_amount(amount), signed=-parse_amount(amount))
    stored = holding_table.objects.get(pk=row.pk)
    assert format_amount(stored.amount) == amount
    assert format_amount(stored.signed) == ("0" if amount == "0" else f"-{amount}")
    assert holding_table.objects.filter(amount=parse_amount(amount)).count() == 1


@pytest.mark.postgres
def test_postgres_column_is_numeric_78_0_and_refuses_79_digits(holding_table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_name = 'test_amounts_holding' AND column_name = 'amount'"
        )
        assert cursor.fetchone() == ("numeric", 78, 0)
        with pytest.raises(Exception, match="numeric field overflow"), transaction.atomic():
            cursor.execute("INSERT INTO test_amounts_holding (amount) VALUES (%s)", [Decimal("1" * 79)])


@pytest.mark.postgres
def test_postgres_sums_and_compares_amounts_exactly(holding_table):
    holding_table.objects.create(amount=10**77)
    holding_table.objects.create(amount=10**77 + 1)
    total = holding_table.objects.aggregate(total=models.Sum("amount"))["total"]
    assert format_amount(total) == str(2 * 10**77 + 1)
    assert holding_table.objects.filter(amount__gt=10**77).count() == 1


def test_database_check_refuses_a_negative_amount(holding_table):
    with pytest.raises(IntegrityError), transaction.atomic():
        holding_table.objects.create(amount=-1)


def test_model_validation_refuses_fractions_and_non_canonical_strings():
    field = AmountField()
    assert field.clean("100", None) == Decimal(100)
    for value in ("1.5", "01", "1e3", Decimal("1.5")):
        with pytest.raises(ValidationError):
            field.clean(value, None)
    with pytest.raises(ValidationError):
        field.clean(10**78, None)  # 79 digits: the DecimalField's max_digits
