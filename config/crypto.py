"""Secrets at rest (DESIGN.md §4): Fernet encryption with keys from the environment, and model fields that use it.

`ENCRYPTION_KEYS` is a list of Fernet keys (32 url-safe base64-encoded bytes each). The first one encrypts; every
one of them decrypts (cryptography's MultiFernet), so a key is rotated by putting a new key first, keeping the old
ones listed, running `manage.py reencrypt_secrets`, and only then removing the old keys.

`EncryptedTextField` and `EncryptedJSONField` keep the Fernet token in the database column; the model attribute is
the clear value. Their values are never part of an error message, and they cannot be looked up by value (every
encryption of the same value differs): only `isnull` filters work. They are not editable in forms unless declared
`editable=True`, so the admin and ModelForms never show them by default.
"""

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)

# Published, non-secret keys (base64 of readable 32-byte strings) for the embedded default and the test suite;
# `check --deploy` refuses both.
DEVELOPMENT_KEY = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ="  # "local-development-key-not-secret"
TEST_KEY = "dGVzdC1zdWl0ZS1maXhlZC1rZXktbm90LXNlY3JldCE="  # "test-suite-fixed-key-not-secret!"
PUBLISHED_KEYS = frozenset({DEVELOPMENT_KEY, TEST_KEY})


class SecretUnreadable(Exception):
    """A stored secret that no key in ENCRYPTION_KEYS decrypts (its key was removed, or the value was altered)."""

    def __init__(self, where: str = "") -> None:
        where = f" ({where})" if where else ""
        super().__init__(
            f"An encrypted value in the database{where} cannot be decrypted with any key in ENCRYPTION_KEYS: the key "
            "that encrypted it is no longer listed, or the stored value was altered. Put the old key back in "
            "ENCRYPTION_KEYS (after the current one) and run `manage.py reencrypt_secrets`."
        )


def parse_keys(keys: list[str] | tuple[str, ...]) -> list[Fernet]:
    """Fernet instances for the configured keys; ImproperlyConfigured naming the position (never the key) if one
    is malformed, or if there is none."""
    keys = [key.strip() for key in keys if key.strip()]
    if not keys:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS is empty: set at least one Fernet key ({GENERATE_HINT}).")
    fernets = []
    for position, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded "
                f"bytes, 44 characters); {GENERATE_HINT}."
            ) from None
    return fernets


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = parse_keys(keys)
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[str, ...]:
    return tuple(getattr(settings, "ENCRYPTION_KEYS", None) or ())


def encrypt(clear: str) -> str:
    """A Fernet token (ASCII) for `clear`, made with the first key."""
    return _multi_fernet(_keys())[0].encrypt(clear.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, where: str = "") -> str:
    """The clear text of a token made with any of the configured keys; SecretUnreadable otherwise."""
    try:
        return _multi_fernet(_keys())[0].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable(where) from None


def is_current(token: str) -> bool:
    """True when the token was made with the first (current) key."""
    try:
        _multi_fernet(_keys())[1].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate(token: str, *, where: str = "") -> str:
    """The same secret re-encrypted with the first key (its original timestamp kept); SecretUnreadable if no key
    decrypts it."""
    try:
        return _multi_fernet(_keys())[0].rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise SecretUnreadable(where) from None


# --- model fields -----------------------------------------------------------------------------------------------


class EncryptedField(models.TextField):
    """Base of the encrypted fields (`reencrypt_secrets` finds every column of this kind). The column holds the
    Fernet token as text; subclasses say how the clear value becomes a string and back."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.editable:
            kwargs["editable"] = True
        else:
            kwargs.pop("editable", None)
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    def to_clear_text(self, value: Any) -> str:
        raise NotImplementedError

    def from_clear_text(self, text: str) -> Any:
        raise NotImplementedError

    def _where(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else self.name

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_clear_text(decrypt(value, where=self._where()))

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(self.to_clear_text(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self._where()} is encrypted: it cannot be looked up by value ('{lookup_name}'), only with isnull."
        )

    def get_transform(self, lookup_name):
        return None

    def value_to_string(self, obj) -> str:
        # Serialization (dumpdata) writes the ciphertext, never the clear value.
        value = self.value_from_object(obj)
        return "" if value is None else self.get_prep_value(value)


class EncryptedTextField(EncryptedField):
    description = "Text, encrypted at rest"

    def to_clear_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{self._where()} takes a str, not {type(value).__name__}.")
        return value

    def from_clear_text(self, text: str) -> str:
        return text


class EncryptedJSONField(EncryptedField):
    """A JSON value (e.g. a connection key object) encrypted at rest as one token."""

    description = "JSON, encrypted at rest"

    def to_clear_text(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    def from_clear_text(self, text: str) -> Any:
        return json.loads(text)


def encrypted_fields() -> list[EncryptedField]:
    """Every encrypted column of every installed model (concrete fields of concrete, managed models)."""
    from django.apps import apps

    return [
        field
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedField)
    ]
