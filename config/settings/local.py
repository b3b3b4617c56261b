"""Local development: the embedded default (SQLite, eager tasks, console email) unless DATABASE_URL/REDIS_URL say so."""

from config.crypto import DEVELOPMENT_KEY

from .base import *  # noqa: F403
from .base import LOGGING, REST_FRAMEWORK, env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production has no default (see production.py).
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-do-not-use-in-production")
# The embedded default's development key (published in config/crypto.py, refused by `check --deploy`).
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[DEVELOPMENT_KEY])
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="plain")
if DEBUG:  # the browsable API, for development only: production and tests render JSON alone
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        *REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
        "config.api.renderers.BrowsableAPIRenderer",
    ]

# Static files come from the finders (whitenoise) here; only production collects them into STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
