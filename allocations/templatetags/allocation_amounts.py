"""Allocations' amounts on pages: `{% load allocation_amounts %}`.

{{ allocation|reason }}                           the refusal's reason in whole units of its currency
{% connection_balances connection as funds %}     a connection's funds per currency (for the connection page,
                                                  partners' template, through the "connection_actions" slot)
"""

from django import template

from allocations.errors import in_whole_units
from allocations.selectors.balances import ConnectionFunds, connection_funds

register = template.Library()


@register.filter
def reason(allocation) -> str:
    """`allocation.reason` as people read it: the ledger's amounts in whole units of its currency."""
    return in_whole_units(allocation.reason, decimals=allocation.currency.decimals)


@register.filter
def whole_units(message: str, currency=None) -> str:
    """A stored refusal `message` with its InsufficientFunds amounts in whole units (of `currency` when given, else
    of the currency the message names)."""
    return in_whole_units(message, decimals=getattr(currency, "decimals", None))


@register.simple_tag
def connection_balances(connection) -> list[ConnectionFunds]:
    """`connection`'s funds per currency where it holds or reserves anything (the client's available beside them).
    `connection` is the page's, already scoped to the current organization."""
    return [row for row in connection_funds(connection=connection).values() if row.held or row.reserved]
