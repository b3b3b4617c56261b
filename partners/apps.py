from django.apps import AppConfig


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    template_slots = {"nav": "partners/_nav.html"}  # the Network section's link in the page navigation
