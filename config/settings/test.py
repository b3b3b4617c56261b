"""Test settings: the database and Redis come from DATABASE_URL / REDIS_URL when set (see tests/conftest.py)."""

from config.crypto import TEST_KEY

from .base import *  # noqa: F403
from .base import LOGGING, _mailer, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
ENCRYPTION_KEYS = [TEST_KEY]  # fixed, so a test database can be read by every run
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never outside tests
# Django's outbox, unless a test points the app (e.g. a Celery worker it starts) at a real SMTP server with EMAIL_URL.
MAILERS = (
    {"default": _mailer()}
    if env("EMAIL_URL", default="")
    else {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="plain")
LOGGING["root"]["level"] = env("LOG_LEVEL", default="WARNING")

# Static files come from the finders (whitenoise) here; only production collects them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
