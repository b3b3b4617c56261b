"""Amounts for people, in templates: `{% load amounts %}`.

    {{ allocation.quantity|units:allocation.currency }}       → "0.25 tbtc"
    {{ allocation.quantity|base_units }}                      → "25,000,000 base units"

Exact (partners.amounts.format_units: integer arithmetic, never a float) and the same whatever the locale. Here, in
the lowest app that knows currencies, so every page above (allocations, settlements) formats amounts one way.
"""

from django import template

from partners.amounts import format_units

register = template.Library()


@register.filter
def units(quantity, currency) -> str:
    """Base units as whole units of `currency` (a Currency, or anything with `decimals` and `code`): "1,000.5 tbtc".
    An empty value stays empty."""
    if quantity is None or quantity == "":
        return ""
    return format_units(quantity, currency.decimals, currency.code)


@register.filter
def base_units(quantity) -> str:
    """Base units with thousands separators, named: "25,000,000 base units" (shown beside whole units where the
    exact integer matters: confirm steps, detail pages)."""
    if quantity is None or quantity == "":
        return ""
    return f"{format_units(quantity, 0)} base units"
