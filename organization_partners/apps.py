from django.apps import AppConfig


class OrganizationPartnersConfig(AppConfig):
    """The organization's own business partner records (seeds 001-003): above organizations, below invitations."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "organization_partners"
    # Its link in organizations' part of the page navigation (templates/organizations/_nav.html).
    template_slots = {"organization_nav": "organization_partners/_nav.html"}
    # Its figures and next steps on the organization home page (organizations/home.py).
    home_section = "organization_partners.home.home_section"
