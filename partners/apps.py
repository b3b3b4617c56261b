from django.apps import AppConfig


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    template_slots = {"nav": "partners/_nav.html"}  # the Network section's link in the page navigation
    # Its figures and next steps on the organization home page (organizations/home.py).
    home_section = "partners.home.home_section"
