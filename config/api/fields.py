"""Strict serializer fields: input is taken as the type it claims to be, never coerced from another."""

import re

from django.core.validators import EmailValidator, RegexValidator
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from config.validators import refused_display_character

_ASCII_INTEGER = re.compile(r"-?[0-9]+")
# No text input can hold a NUL (nothing stored can: PostgreSQL refuses it, and DRF's CharField refuses it too). As a
# validator it also becomes the field's `pattern` in the OpenAPI schema, so the schema says what the field accepts.
NO_NUL_CHARACTERS = RegexValidator(r"^[^\x00]*$", "Null characters are not allowed.", code="null_characters")


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn `0`, `1.5` or `true` into text.

    Lone surrogates (`"\\ud800"` in JSON) are refused too: they are not text and cannot be stored.
    """

    default_error_messages = {
        "invalid": "Not a valid string.",
        "surrogate": "Not valid Unicode text (it holds a lone surrogate).",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validators", [NO_NUL_CHARACTERS])
        super().__init__(**kwargs)
        # `to_internal_value` has refused every lone surrogate already (the UTF-8 encoding, in C): DRF's own validator
        # would look at each character again in Python, which on a signed request's payload cost more than the rest
        # of its validation (profiled).
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitSurrogateCharactersValidator)]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField, serializers.EmailField):
    """An email address in a JSON string, checked as Django checks one (documented as `format: email`).

    StrictCharField's `invalid` (not a string) would otherwise also be the message of an address that is not one.
    """

    default_error_messages = {"invalid_email": "Enter a valid email address."}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        others = [validator for validator in self.validators if not isinstance(validator, EmailValidator)]
        self.validators = [*others, EmailValidator(message=self.error_messages["invalid_email"])]


class BlankAsNullMixin:
    """ "" in the database (a field the record lacks) is null on the wire."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        value = super().to_representation(value)
        return value or None


class BlankAsNullEmailField(BlankAsNullMixin, serializers.EmailField):
    """An email address read back (documented as `format: email`), or null where there is none."""


class NameField(StrictCharField):
    """A name or label shown on pages: also refuses control, bidi and zero-width characters that spoof it."""

    default_error_messages = {
        "invalid_character": "Remove the invisible or control character U+{code}: names may only hold visible text.",
    }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        char = refused_display_character(value)
        if char is not None:
            self.fail("invalid_character", code=f"{ord(char):04X}")
        return value


class DisplayTextField(StrictCharField):
    """Free text partner or client pages display (an external id, notes): refuses the same control, bidi and
    zero-width characters as `NameField`; `allow_newlines` keeps line breaks (\\n, \\r) in multi-line text."""

    default_error_messages = {
        "invalid_character": "Remove the invisible or control character U+{code}: only visible text is allowed.",
    }

    def __init__(self, *, allow_newlines: bool = False, **kwargs) -> None:
        self.allow_newlines = allow_newlines
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        checked = value.replace("\n", "").replace("\r", "") if self.allow_newlines else value
        char = refused_display_character(checked)
        if char is not None:
            self.fail("invalid_character", code=f"{ord(char):04X}")
        return value


class StrictIntegerField(serializers.IntegerField):
    """An integer: a JSON number without a fraction, or a string of ASCII digits with an optional leading '-'.

    DRF's IntegerField also takes `true`, `1.0`, `"1_0"`, `" 1"` and Arabic-Indic digits (Python's `int()` does).
    `allow_strings=False`: a JSON number only (bodies whose contract says number, e.g. the network API's windows).
    """

    def __init__(self, *, allow_strings: bool = True, **kwargs) -> None:
        self.allow_strings = allow_strings
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if (
            isinstance(data, bool)
            or not isinstance(data, int | str)
            or (isinstance(data, str) and not self.allow_strings)
        ):
            self.fail("invalid")
        if isinstance(data, str):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            if not _ASCII_INTEGER.fullmatch(data):
                self.fail("invalid")
        return super().to_internal_value(data)


class QueryListField(serializers.ListField):
    """An array query parameter: repeated (`?ids=a&ids=b`) and, with `comma_separated`, also `?ids=a,b`.

    Order is kept and duplicates dropped; an empty value (`?names=`) is refused, the gaps of `a,,b` are dropped. The
    organization dialect takes repeated parameters only; the network dialect both forms (DESIGN.md §2).
    """

    def __init__(self, *, comma_separated: bool = False, **kwargs) -> None:
        self.comma_separated = comma_separated
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return empty
        raws = dictionary.getlist(self.field_name)
        if any(raw == "" for raw in raws):
            return [""]  # `?names=`: refused by the child field (400), not read as "no filter"
        parts = [part.strip() for raw in raws for part in (raw.split(",") if self.comma_separated else [raw])]
        parts = [part for part in parts if part]  # the gaps of `a,,b` and stray spaces
        if self.max_length is not None and len(parts) > self.max_length:
            return parts  # refused as too many, duplicates included: the limit bounds the work a request asks for
        return list(dict.fromkeys(parts))

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            # Located at the parameter itself: the position of a value in a query string means nothing to a caller.
            raise serializers.ValidationError([msg for msgs in exc.detail.values() for msg in msgs]) from None


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false`; DRF's BooleanField also takes "yes", "1", 0 and the like."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class QueryValueMixin:
    """A single-valued query parameter: given empty (`?sortField=`) it is refused, not read as absent (DRF's
    reading of an HTML form's empty input)."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class QueryBooleanField(QueryValueMixin, serializers.BooleanField):
    """A boolean query parameter: `true` or `false` (any case), nothing else; absent means "not filtered" (DRF's
    BooleanField would read an absent parameter as false, as for an unticked HTML checkbox), given empty it is
    refused."""

    def to_internal_value(self, data):
        value = str(data).lower()
        if value not in ("true", "false"):
            self.fail("invalid", input=data)
        return value == "true"


class StrictUUIDField(serializers.UUIDField):
    """A UUID in a JSON string; DRF's UUIDField also turns integers into UUIDs."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class QueryTextField(serializers.CharField):
    """One text value of an array query filter (a name, an identifier): never empty (the schema says `minLength`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validators", [NO_NUL_CHARACTERS])
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)


class QueryChoiceField(QueryValueMixin, serializers.ChoiceField):
    pass


class QueryIntegerField(QueryValueMixin, StrictIntegerField):
    """An integer query parameter (a page's size or number): `?limit=` is refused, not read as the default."""
