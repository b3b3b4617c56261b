from django.apps import AppConfig


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    nav_template = "partners/_nav.html"  # the Network section's link in the page navigation
