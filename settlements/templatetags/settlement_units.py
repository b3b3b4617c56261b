"""Amounts of settlements for people: whole units of the currency, from the reader's side."""

from django import template

from partners.amounts import format_units

register = template.Library()


def side_quantity(transfer, client) -> int:
    """The transfer's quantity as `client` sees it: positive when it gains (it is the connection's side unless it
    is the counterparty's, which moves the other way)."""
    quantity = int(transfer.quantity)
    if client is not None and transfer.counterparty_client_id == getattr(client, "pk", client):
        return -quantity
    return quantity


@register.simple_tag
def transfer_amount(transfer, client=None) -> str:
    """ "+0.25 tbtc" (gains) or "-0.25 tbtc" (losses), from `client`'s side (the connection's when None)."""
    currency = transfer.currency
    return format_units(side_quantity(transfer, client), currency.decimals, currency.code, signed=True)


@register.filter
def units(quantity, currency) -> str:
    """`{{ amount|units:currency }}`: base units as whole units of `currency` ("1,000.5 tbtc")."""
    return format_units(quantity, currency.decimals, currency.code)
