"""Production: no secret defaults, PostgreSQL + Redis expected, HTTPS behind a proxy."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MAILERS, SMTP_BACKEND, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: no default
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Secrets at rest (config/crypto.py): required, no default. `check --deploy` refuses malformed or published keys.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
if not any(key.strip() for key in ENCRYPTION_KEYS):
    raise ImproperlyConfigured(
        "ENCRYPTION_KEYS is required in production: comma-separated Fernet keys, the first encrypts and all "
        'decrypt (generate one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())").'
    )

# Persistent database connections: opening one per request costs more than the request itself. Each gunicorn thread
# keeps its own (gunicorn.conf.py: workers x threads per host), and checks it at the start of a request that reuses
# it, so a restarted PostgreSQL costs no failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Without EMAIL_URL / EMAIL_HOST, production sends through an MTA on this host (never to the console).
if MAILERS["default"]["BACKEND"] != SMTP_BACKEND:
    MAILERS = {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": {"host": "localhost", "port": 25, "timeout": 10}}}
