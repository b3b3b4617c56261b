from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (`manage.py seed_demo`). The top of the dependency chain: it may import every app,
    and nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
