from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Holds project-wide plumbing (management commands, API dialects); it has no models."""

    name = "config"
    label = "config"
    verbose_name = "Platform"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the system checks)
