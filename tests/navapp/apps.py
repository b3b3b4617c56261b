from django.apps import AppConfig


class NavAppConfig(AppConfig):
    """A stand-in for the next app (partners, allocations): it adds its links to the navigation by declaring them."""

    name = "tests.navapp"
    label = "navapp"
    template_slots = {"nav": "navapp/_nav.html"}
