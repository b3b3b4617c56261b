from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"
    template_slots = {"nav": "organizations/_nav.html"}  # its links in the page navigation (templatetags/slots.py)

    def ready(self) -> None:
        from organizations import checks, schema  # noqa: F401  (register system checks, the OpenAPI security scheme)
