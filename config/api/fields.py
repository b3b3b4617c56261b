"""Serializer fields for query parameters and strict input types."""

import re

from rest_framework import serializers
from rest_framework.fields import empty

_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON sends it, or a string of ASCII digits (query parameters); nothing else.

    DRF's IntegerField also takes "1.0", " 1", "1_0", Arabic-Indic digits and booleans.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            if not _ASCII_INTEGER.fullmatch(data) or len(data) > self.MAX_STRING_LENGTH:
                self.fail("invalid")
            data = int(data)
        if not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryListField(serializers.ListField):
    """An array query parameter: repeated (`?ids=a&ids=b`) and, with `comma_separated`, also `?ids=a,b`.

    Order is kept and duplicates dropped. The organization dialect takes repeated parameters only; the network
    dialect both forms (DESIGN.md §2).
    """

    def __init__(self, *, comma_separated: bool = False, **kwargs) -> None:
        self.comma_separated = comma_separated
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            # Located at the parameter itself: the position of a value in a query string means nothing to a caller.
            raise serializers.ValidationError([msg for msgs in exc.detail.values() for msg in msgs]) from None

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return empty
        values: list[str] = []
        for raw in dictionary.getlist(self.field_name):
            parts = raw.split(",") if self.comma_separated else [raw]
            for part in (p.strip() for p in parts):
                if part and part not in values:
                    values.append(part)
        return values
