from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"
    nav_template = "organizations/_nav.html"  # its links in the page navigation (see context_processors.navigation)

    def ready(self) -> None:
        from organizations import checks, schema  # noqa: F401  (register system checks, the OpenAPI security scheme)
