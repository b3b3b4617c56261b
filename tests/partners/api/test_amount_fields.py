"""The network dialect's amount field: JSON strings of base units in and out, nothing coerced."""

from decimal import Decimal

import pytest
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry
from rest_framework import serializers

from partners.api.fields import AmountStringField, SignedAmountStringField


class TransferInput(serializers.Serializer):
    quantity = AmountStringField()
    change = SignedAmountStringField(required=False)


def errors(data):
    serializer = TransferInput(data=data)
    assert not serializer.is_valid()
    return {name: [str(m) for m in messages] for name, messages in serializer.errors.items()}


def test_takes_a_string_of_base_units_as_an_exact_int():
    serializer = TransferInput(data={"quantity": "1" + "0" * 77, "change": "-100"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"quantity": 10**77, "change": -100}


@pytest.mark.parametrize("value", [100000000, 1.5, True, ["1"], {"q": "1"}])
def test_refuses_json_numbers_and_other_types(value):
    assert errors({"quantity": value}) == {"quantity": ['Send the amount as a string of base units, e.g. "100000000".']}


def test_null_is_refused_as_null():
    assert errors({"quantity": None}) == {"quantity": ["This field may not be null."]}


@pytest.mark.parametrize("value", ["", "-1", "01", "1.0", "1e8", " 1", "1_0", "\u0661", "9" * 79])
def test_refuses_non_canonical_strings(value):
    (message,) = errors({"quantity": value})["quantity"]
    assert message.startswith("Not an amount: use base units as a string of digits with no sign")


def test_signed_amount_takes_a_minus_but_not_minus_zero():
    (message,) = errors({"quantity": "1", "change": "-0"})["change"]
    assert message.startswith("Not an amount: use base units as a string of digits with an optional leading '-'")


def test_represents_amounts_as_strings():
    field = AmountStringField()
    assert field.to_representation(10**77) == "1" + "0" * 77
    assert field.to_representation(Decimal("100000000")) == "100000000"


def test_schema_says_string_with_a_pattern():
    schema = AutoSchema()
    schema.registry = ComponentRegistry()
    field_schema = schema._map_serializer_field(AmountStringField(), "response")
    assert field_schema["type"] == "string"
    assert field_schema["pattern"] == "^(0|[1-9][0-9]{0,77})$"
