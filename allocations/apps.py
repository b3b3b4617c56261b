from django.apps import AppConfig


class AllocationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "allocations"
    # What the Network section's pages (partners' templates) show of allocations (config/templatetags/slots.py).
    template_slots = {
        "network_client_tabs": "allocations/_client_tabs.html",
        "network_partner_tabs": "allocations/_partner_tabs.html",
        "connection_actions": "allocations/_connection_funds.html",
    }
    # The balances and waiting allocations on the organization home page (organizations/home.py).
    home_section = "allocations.home.home_section"
