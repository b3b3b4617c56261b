"""System checks of the platform's settings."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from config.crypto import PUBLISHED_KEYS, parse_keys


@checks.register(checks.Tags.security)
def check_encryption_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Every key in ENCRYPTION_KEYS is a Fernet key (a malformed one would fail the first secret read or write)."""
    try:
        parse_keys(settings.ENCRYPTION_KEYS)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="config.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys_not_published(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: no key in ENCRYPTION_KEYS is one of the development or test keys published in the code."""
    if not PUBLISHED_KEYS & {key.strip() for key in settings.ENCRYPTION_KEYS}:
        return []
    return [
        checks.Error(
            "ENCRYPTION_KEYS contains the published development or test key: "
            "anyone can read the secrets encrypted with it.",
            hint="Generate a new key, put it first, run `manage.py reencrypt_secrets`, then remove the published key.",
            id="config.E002",
        )
    ]
