from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "settlements"
    # What the Network section's pages (partners' and allocations' templates) show of settlements
    # (config/templatetags/slots.py).
    template_slots = {
        "network_client_tabs": "settlements/_client_tabs.html",
        "network_partner_tabs": "settlements/_partner_tabs.html",
        "connection_actions": "settlements/_connection_settlements.html",
        "balances_after": "settlements/_balances_settlements.html",
    }
    # The settlements and disputes under way on the organization home page (organizations/home.py).
    home_section = "settlements.home.home_section"
