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


@checks.register()  # not Tags.database: it reads settings only, so it runs with every `check`
def check_database_pooler(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """DATABASE_POOLER=pgbouncer (transaction pooling): no database setting keeps state on the server past a
    transaction. The settings make it so (config/settings/base.py); a later override that undoes it is reported."""
    return database_pooler_messages(settings.DATABASE_POOLER, settings.DATABASES)


def database_pooler_messages(pooler: str, databases: dict) -> list[checks.CheckMessage]:
    if pooler != "pgbouncer":
        return []
    messages = []
    for alias, database in databases.items():
        if not database["ENGINE"].endswith("postgresql"):
            messages.append(
                checks.Warning(
                    f"DATABASE_POOLER=pgbouncer, but database {alias!r} is not PostgreSQL.",
                    hint="Unset DATABASE_POOLER, or point DATABASE_URL at PgBouncer.",
                    id="config.W010",
                )
            )
            continue
        options = database.get("OPTIONS", {})
        disagreements = [
            what
            for what, disagrees in (
                (
                    "server-side cursors (DISABLE_SERVER_SIDE_CURSORS is not True)",
                    not database.get("DISABLE_SERVER_SIDE_CURSORS"),
                ),
                (
                    "prepared statements (OPTIONS prepare_threshold is not None)",
                    options.get("prepare_threshold") is not None,
                ),
            )
            if disagrees
        ]
        if disagreements:
            messages.append(
                checks.Warning(
                    f"DATABASE_POOLER=pgbouncer, but database {alias!r} uses {', '.join(disagreements)}: "
                    "state that a transaction-pooling PgBouncer does not keep between transactions.",
                    hint="Leave these settings to DATABASE_POOLER (config/settings/base.py).",
                    id="config.W011",
                )
            )
    return messages
