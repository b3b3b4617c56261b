"""Strict serializer fields: input is taken as the type it claims to be, never coerced from another."""

import re

from rest_framework import serializers

from config.validators import refused_display_character

_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn `0`, `1.5` or `true` into text.

    Lone surrogates (`"\\ud800"` in JSON) are refused too: they are not text and cannot be stored.
    """

    default_error_messages = {
        "invalid": "Not a valid string.",
        "surrogate": "Not valid Unicode text (it holds a lone surrogate).",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return super().to_internal_value(data)


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


class StrictIntegerField(serializers.IntegerField):
    """An integer: a JSON number without a fraction, or a string of ASCII digits with an optional leading '-'.

    DRF's IntegerField also takes `true`, `1.0`, `"1_0"`, `" 1"` and Arabic-Indic digits (Python's `int()` does).
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str):
            if len(data) > self.MAX_STRING_LENGTH:
                self.fail("max_string_length")
            if not _ASCII_INTEGER.fullmatch(data):
                self.fail("invalid")
        return super().to_internal_value(data)
