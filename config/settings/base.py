"""Settings shared by every environment. Everything configurable comes from one `environ.Env()`."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local `.env` file is read when present (never committed); real environments set variables directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "config.apps.ConfigAppConfig",
    "organizations",
    "organization_partners",
    "invitations",
    "partners",
    "allocations",
    "settlements",
    "demo",
]

# API paths (`/api/...` but the documentation pages, and `/healthz`: config.middleware.is_api_path) take a lean path:
# `/healthz` is answered right after the security headers; the `PagesOnly...` middleware (whitenoise, messages) runs
# for pages only. Sessions, authentication and CSRF stay for session-authenticated API calls (DRF's
# SessionAuthentication checks their CSRF token).
MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.HealthzMiddleware",
    "config.middleware.PagesOnlyWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organizations.middleware.CurrentOrganizationMiddleware",
    "config.middleware.PagesOnlyMessageMiddleware",
    "config.middleware.ApiErrorFallbackMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",  # `csp_nonce` for the few inline scripts and styles
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.current_organization",
            ],
        },
    },
]

# --- Database: a SQLite file by default (the embedded mode), PostgreSQL via DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that asks the operating system, not the server (config.postgresql).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# What sits between the application and PostgreSQL: `none` (a direct connection) or `pgbouncer` in transaction
# pooling mode (README "Scaling out: PgBouncer"), where consecutive transactions of one connection may run on
# different server sessions. Nothing may then outlive a transaction on the server: no holdable server-side cursor
# (`.iterator()` outside a transaction opens one: client-side cursors instead) and no named prepared statement
# (psycopg prepares a query run often enough unless prepare_threshold is None: Django's default, stated here so that a
# DATABASE_URL `?prepare_threshold=` cannot undo it). config.checks warns when these settings disagree.
DATABASE_POOLERS = ("none", "pgbouncer")
DATABASE_POOLER = env("DATABASE_POOLER", default="").strip().lower() or "none"
if DATABASE_POOLER not in DATABASE_POOLERS:
    raise ImproperlyConfigured(f"DATABASE_POOLER must be one of {DATABASE_POOLERS}, not {DATABASE_POOLER!r}.")
if DATABASE_POOLER == "pgbouncer" and DATABASES["default"]["ENGINE"].endswith("postgresql"):  # else: config.W010
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A direct connection: the hot path's fixed statements are prepared on request (config.db.prepared_cursor), which
    # psycopg refuses while prepare_threshold is None. Never by count: Django's own cursors bind on the client side,
    # which psycopg never prepares, and no other statement asks.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when REDIS_URL is set; otherwise local memory and eager tasks.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # django-redis rather than Django's built-in backend, which builds a new redis-py client for every cache call
    # and increments in two round-trips: the rate limits' counters cost a third as much per request with it.
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "partner-network"}}

# --- Celery (config/celery.py reads the CELERY_* names).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent; a worker lost mid-task leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# A message a worker took and did not acknowledge (the worker was lost) is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE: dict = {
    # Task names keep their `organizations.` prefix from before the invitations app existed (invitations/tasks.py).
    "invitations-expire": {"task": "organizations.invitations_expire", "schedule": 300.0},
    "settlements-finalize-due": {
        "task": "settlements.finalize_due",
        "schedule": env.float("SETTLEMENT_FINALIZE_SWEEP_SECONDS", default=60.0),
    },
}
# A due settlement claimed by the sweep but not finalized this long after (its message lost) is claimed again.
SETTLEMENT_REENQUEUE_SECONDS = env.int("SETTLEMENT_REENQUEUE_SECONDS", default=600)
SETTLEMENT_FINALIZE_MAX_RETRIES = env.int("SETTLEMENT_FINALIZE_MAX_RETRIES", default=8)

# --- Invitations: the accept link's base (the address people reach the site at) and the email task's retries.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
INVITATION_EMAIL_MAX_RETRIES = env.int("INVITATION_EMAIL_MAX_RETRIES", default=10)
INVITATION_EMAIL_RETRY_BACKOFF_SECONDS = env.int("INVITATION_EMAIL_RETRY_BACKOFF_SECONDS", default=30)
INVITATION_EMAIL_RETRY_BACKOFF_MAX_SECONDS = env.int("INVITATION_EMAIL_RETRY_BACKOFF_MAX_SECONDS", default=3600)

# --- Email (Django 6.1 MAILERS). EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., consolemail://) wins;
# else EMAIL_HOST/EMAIL_PORT; else the console (the embedded default).
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _mailer() -> dict:
    if env("EMAIL_URL", default=""):
        parsed = env.email_url("EMAIL_URL")
        backend = parsed["EMAIL_BACKEND"]
        host, port = parsed.get("EMAIL_HOST"), parsed.get("EMAIL_PORT")
        username, password = parsed.get("EMAIL_HOST_USER"), parsed.get("EMAIL_HOST_PASSWORD")
        use_tls, use_ssl = bool(parsed.get("EMAIL_USE_TLS")), bool(parsed.get("EMAIL_USE_SSL"))
    elif env("EMAIL_HOST", default=""):
        backend, host, port = SMTP_BACKEND, env("EMAIL_HOST"), env.int("EMAIL_PORT", default=25)
        username, password = env("EMAIL_HOST_USER", default=""), env("EMAIL_HOST_PASSWORD", default="")
        use_tls, use_ssl = env.bool("EMAIL_USE_TLS", default=False), env.bool("EMAIL_USE_SSL", default=False)
    else:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if backend != SMTP_BACKEND:
        return {"BACKEND": backend}
    options = {"host": host, "port": port, "use_tls": use_tls, "use_ssl": use_ssl, "timeout": 10}
    if username:
        options.update(username=username, password=password)
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer()}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Partner Network <no-reply@partner-network.localhost>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Content-Security-Policy (Django's ContentSecurityPolicyMiddleware): pages load only their own files; an inline
# script or style runs only with the response's nonce (`{{ csp_nonce }}`, as in templates/drf_spectacular/). ReDoc
# (/api/redoc/) gets REDOC_CSP (config/urls.py): its bundle injects inline styles, searches in a blob: worker, and
# always shows its vendor's logo from cdn.redoc.ly (an <img>; the referrer policy sends no URL with it).
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
REDOC_CSP = {
    **SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],  # with a nonce beside it, browsers would ignore 'unsafe-inline'
    "img-src": [CSP.SELF, "data:", "https://cdn.redoc.ly"],
    "worker-src": ["blob:"],  # its search index runs in a worker made from a blob
}

LOGIN_URL = "login"
LOGIN_ATTEMPTS_PER_MINUTE = env.int("LOGIN_ATTEMPTS_PER_MINUTE", default=10)  # per client address, web sign-in
# Re-entered passwords of a signed-in user (custodial signing, password change): per user and per client address.
PASSWORD_ATTEMPTS_PER_MINUTE = env.int("PASSWORD_ATTEMPTS_PER_MINUTE", default=10)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Uploads. The largest file the site takes is a partner CSV import (organization_partners/csv_import_export.py). A
# request whose Content-Length is over REQUEST_MAX_BYTES is answered 413 before its body is read
# (config.middleware.RequestSizeLimitMiddleware), so a 100 MB upload costs nothing; files over
# FILE_UPLOAD_MAX_MEMORY_SIZE (Django's default, 2.5 MB) spool to a temporary file while they are read.
PARTNER_IMPORT_MAX_BYTES = env.int("PARTNER_IMPORT_MAX_BYTES", default=10_000_000)
PARTNER_IMPORT_MAX_ROWS = env.int("PARTNER_IMPORT_MAX_ROWS", default=20_000)
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=PARTNER_IMPORT_MAX_BYTES + 1_000_000)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizations.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.RulePermission"],
    "DEFAULT_THROTTLE_CLASSES": [  # the ceiling last: it counts only what the narrow limit let through
        "organizations.throttling.PrincipalRateThrottle",
        "config.api.throttling.InstallationRateThrottle",
    ],
    # JSON only: the browsable API (config.api.renderers.BrowsableAPIRenderer) is added by the local settings in
    # DEBUG. With one renderer, content negotiation has nothing to choose and no `Vary: Accept` to add.
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.DialectAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PAGINATION_CLASS": None,
    # Trusted proxies in front: unset or 0 = the socket address is the client's, X-Forwarded-For is ignored
    # (config.net.client_address).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Network API",
    "DESCRIPTION": (
        "Two dialects over one domain. The **network API** (`/api/network/...`) speaks camelCase with "
        '`{"error", "name", "requestId"}` errors; the **organization API** (`/api/v1/...`) speaks snake_case with '
        '`{"detail": [...]}` errors and 422 for validation. Authenticate with `Authorization: Bearer <token>` from '
        "`POST /api/v1/oauth2/token` (API client) or `POST /api/v1/auth/token` (user). "
        "Every network API GET also reads its query parameters from a JSON-object body (as BitGo's SDK sends them): "
        "arrays, comma-separated strings, single strings, booleans and numbers; a parameter in the query string wins "
        "over the same one in the body, and a GET body that is not a JSON object of such values answers 400."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # self-hosted: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "AUTHENTICATION_WHITELIST": ["organizations.authentication.JWTAuthentication"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "config.api.openapi_hooks.document_payload_too_large",
        "config.api.openapi_hooks.document_bad_request",
        "allocations.api.schema.require_reject_reason_on_release",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "organizations.models.Role",
        "PermissionCodeEnum": "organizations.models.PermissionCode",
        "AllocationStatusEnum": "allocations.models.AllocationStatus",
        "PartnerAllocationStatusUpdateEnum": "allocations.models.PARTNER_FINAL_STATUSES",
        "InvitationKindEnum": "invitations.models.InvitationKind",
        "InvitationStatusEnum": "invitations.models.InvitationStatus",
        "PartnerInvitationStatusEnum": "organization_partners.models.PartnerInvitationStatus",
        "OrganizationConnectionStatusEnum": "organizations.models.OrganizationConnectionStatus",
        "SettlementStatusEnum": "settlements.models.SettlementStatus",
        "SettlementTransferStatusEnum": "settlements.models.TransferStatus",
    },
}

# Tokens (JWT, HS256). Empty means SECRET_KEY (read when a token is made or checked, so each settings module's own
# SECRET_KEY counts: see organizations.tokens.signing_key); set JWT_SIGNING_KEY to rotate it independently.
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="")
JWT_ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("JWT_ACCESS_TOKEN_LIFETIME_SECONDS", default=3600))
JWT_ISSUER = env("JWT_ISSUER", default="partner-network")

# Secrets at rest (config/crypto.py): comma-separated Fernet keys, the first encrypts and all decrypt. Empty here;
# local and test settings set a fixed non-secret key, production requires one (no default).
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])

# Rate limits (requests per minute): per API client / user, and for the whole installation.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
API_GLOBAL_RATE_LIMIT_PER_MINUTE = env.int("API_GLOBAL_RATE_LIMIT_PER_MINUTE", default=2000)
# The most an organization may give one of its API clients (`rate_limit_per_minute`): no more than the whole
# installation's budget by default. The database's own bound (organizations.models) stays the absolute limit.
API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE = env.int(
    "API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE", default=API_GLOBAL_RATE_LIMIT_PER_MINUTE
)
# The token endpoints, per client IP (DRF's NUM_PROXIES decides which address that is behind a proxy).
API_CREDENTIALS_RATE_LIMIT_PER_MINUTE = env.int("API_CREDENTIALS_RATE_LIMIT_PER_MINUTE", default=30)
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# The counters are fixed one-minute windows kept with atomic cache increments (django-ratelimit).
SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env("LOG_FORMAT", default="json"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
    },
}
