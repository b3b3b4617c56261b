"""Amounts of settlements for people: whole units of the currency, from the reader's side. The plain `units`
filter is partners' (`{% load amounts %}`, partners/templatetags/amounts.py)."""

from django import template

from partners.amounts import format_units
from partners.selectors import network_client_find
from settlements.selectors import settlement_transfer_list_for_client

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


RECENT_TRANSFERS = 5


@register.simple_tag(takes_context=True)
def recent_settlement_transfers(context, connection=None, limit: int = RECENT_TRANSFERS) -> list[dict]:
    """The newest settlement transfers on the current organization's connections (`connection`'s only when given),
    each as {transfer, connection (the organization's), amount (whole units, its side), negative}: for the slots
    that show what settlements moved on other apps' pages (the connection page, the balances page)."""
    enterprise = getattr(context.get("request"), "organization", None)
    if enterprise is None:
        return []
    client = network_client_find(enterprise=enterprise)
    if client is None:
        return []
    transfers = settlement_transfer_list_for_client(
        enterprise=enterprise,
        connection_ids=[connection.pk] if connection is not None else None,
        sort_field="updated_at",
        descending=True,
    )[:limit]
    rows = []
    for transfer in transfers:
        quantity = side_quantity(transfer, client)
        mine = transfer.connection
        if transfer.counterparty_client_id == client.pk and transfer.client_id != client.pk:
            mine = transfer.counterparty_connection
        rows.append(
            {
                "transfer": transfer,
                "connection": mine,
                "amount": format_units(quantity, transfer.currency.decimals, transfer.currency.code, signed=True),
                "negative": quantity < 0,
            }
        )
    return rows
