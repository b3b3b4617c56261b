"""System checks of this app's settings."""

from django.core import checks

from organizations.tokens import signing_key

# HS256 keys shorter than the hash output are guessable offline from any one token (RFC 7518 §3.2).
JWT_KEY_MIN_BYTES = 32


@checks.register(checks.Tags.security, deploy=True)
def check_jwt_signing_key(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: the key that signs access tokens (JWT_SIGNING_KEY, else SECRET_KEY) is long enough."""
    if len(signing_key().encode()) >= JWT_KEY_MIN_BYTES:
        return []
    return [
        checks.Error(
            f"The key that signs access tokens is shorter than {JWT_KEY_MIN_BYTES} bytes.",
            hint="Set JWT_SIGNING_KEY (or SECRET_KEY when JWT_SIGNING_KEY is unset) to at least 32 random bytes, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))".',
            id="organizations.E001",
        )
    ]
