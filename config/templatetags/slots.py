"""Template slots: a page of a lower app shows what apps above it add, without naming them.

An app declares what it adds in its AppConfig::

    template_slots = {"network_tabs": "allocations/_network_tabs.html"}

and the lower app's template says where it goes::

    {% load slots %}{% slot "network_tabs" %}

Each installed app's template for that slot is rendered with the page's context, in INSTALLED_APPS order. This is
how dependencies stay one way in templates too: `partners/connection_detail.html` shows allocations' buttons, yet
names no URL of allocations (tests/test_dependencies.py checks every template's `{% url %}` namespaces).
"""

from django import template
from django.apps import apps
from django.utils.safestring import mark_safe

register = template.Library()


def slot_templates(name: str) -> list[str]:
    """The templates installed apps add to the slot `name`, in INSTALLED_APPS order."""
    return [t for config in apps.get_app_configs() if (t := getattr(config, "template_slots", {}).get(name))]


@register.simple_tag(takes_context=True)
def slot(context, name: str) -> str:
    engine = context.template.engine
    return mark_safe("".join(engine.get_template(t).render(context) for t in slot_templates(name)))  # noqa: S308
