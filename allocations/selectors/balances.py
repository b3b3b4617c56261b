"""Reads of network balances, straight from the stored ledger balances (O(1) per account at any history size).

What the network API shows (README, "Funding and balances"):
- a client's `balances[currency]`: `available` is its AVAILABLE account; `held` is everything it has allocated,
  the HELD and RESERVED accounts of all its connections together (locked in its account, not spendable);
- per connection (`networkBalances`, client and partner side alike): `available` is the connection's HELD account
  (allocated and cleared: the partner's collateral), `held` its RESERVED account (allocations and deallocations
  waiting for an asynchronous partner's answer);
- a partner's own `balances[currency]`: `available` is its PARTNER account (settlements), `held` is 0.

Each read costs a fixed number of queries: the enterprise's client or partner, one page of connections, and one
query of ledger accounts for all currencies (plus one for the client's totals over all its connections).
"""

import uuid
from dataclasses import dataclass, field

from django.db.models import Q

from allocations.errors import NetworkClientNotFound
from allocations.models import AccountKind, LedgerAccount
from organizations.models import Organization
from partners.errors import PartnerNotFound
from partners.models import Connection, Currency, NetworkClient, Partner
from partners.selectors import (
    connection_list_for_client,
    connection_list_for_partner,
    network_client_find,
    partner_find,
)

CONNECTION_KINDS = (AccountKind.HELD, AccountKind.RESERVED)


@dataclass
class Balance:
    available: int = 0
    held: int = 0


@dataclass
class ClientBalances:
    client: NetworkClient
    balances: dict[str, Balance]  # currency code → the client's own account
    connections: list[Connection]  # one page, each with `.balances`: currency code → Balance

    @property
    def network_balances(self) -> dict[str, Connection]:
        return {str(connection.pk): connection for connection in self.connections}


@dataclass
class PartnerBalances:
    partner: Partner
    connections: list[Connection]  # one page, each with `.balances`: currency code → Balance
    balances: dict[str, Balance] | None = field(default=None)  # the partner's own; None when filtered out

    @property
    def network_balances(self) -> dict[str, Connection]:
        return {str(connection.pk): connection for connection in self.connections}


def _page(queryset, page_number: int, page_size: int) -> list:
    start = page_number * page_size
    return list(queryset[start : start + page_size])


def _connection_balances(connections: list[Connection], extra_owners: list[uuid.UUID] = ()) -> list[LedgerAccount]:
    """The ledger accounts of `connections` (HELD, RESERVED) and of `extra_owners` (any kind), in one query."""
    owners = [c.network_account_id for c in connections]
    accounts = LedgerAccount.objects.filter(owner_id__in=[*owners, *extra_owners])
    return list(accounts.select_related("currency").order_by("currency__code", "id"))


def _attach(connections: list[Connection], accounts: list[LedgerAccount]) -> None:
    by_owner: dict[uuid.UUID, dict[str, Balance]] = {c.network_account_id: {} for c in connections}
    for account in accounts:
        if account.kind not in CONNECTION_KINDS or account.owner_id not in by_owner:
            continue
        balance = by_owner[account.owner_id].setdefault(account.currency.code, Balance())
        if account.kind == AccountKind.HELD:
            balance.available += int(account.balance)
        else:
            balance.held += int(account.balance)
    for connection in connections:
        connection.balances = by_owner[connection.network_account_id]


def client_balances(
    *,
    enterprise: Organization,
    connection_ids: list[uuid.UUID] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    page_number: int = 0,
    page_size: int = 100,
) -> ClientBalances:
    """The enterprise's balances as a network client, with one page of its connections (oldest first) filtered by
    `connection_ids` / `partner_ids`. The client's own balances count every connection, whatever the filters.
    NetworkClientNotFound (404) before the enterprise has a network client."""
    client = network_client_find(enterprise=enterprise)
    if client is None:
        raise NetworkClientNotFound()
    connections = _page(
        connection_list_for_client(enterprise=enterprise, connection_ids=connection_ids, partner_ids=partner_ids),
        page_number,
        page_size,
    )
    _attach(connections, _connection_balances(connections))

    own: dict[str, Balance] = {}
    all_connections = Connection.objects.filter(client=client).values("network_account_id")
    accounts = LedgerAccount.objects.filter(
        Q(owner_id=client.pk, kind=AccountKind.AVAILABLE) | Q(owner_id__in=all_connections, kind__in=CONNECTION_KINDS)
    )
    for kind, code, amount in accounts.values_list("kind", "currency__code", "balance").order_by(
        "currency__code", "id"
    ):
        balance = own.setdefault(code, Balance())
        if kind == AccountKind.AVAILABLE:
            balance.available += int(amount)
        else:
            balance.held += int(amount)
    return ClientBalances(client=client, balances=own, connections=connections)


def partner_balances(
    *,
    enterprise: Organization,
    partner_ids: list[uuid.UUID] | None = None,
    client_ids: list[uuid.UUID] | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    partners_connection_ids: list[str] | None = None,
    page_number: int = 0,
    page_size: int = 100,
) -> PartnerBalances:
    """What clients hold with the enterprise as a partner, per connection (one page, oldest first, filtered), and
    the partner's own balances (left out when `partner_ids` excludes it). PartnerNotFound (404) when the enterprise
    is not a partner."""
    partner = partner_find(enterprise=enterprise)
    if partner is None:
        raise PartnerNotFound("This enterprise is not a network partner.")
    connections = _page(
        connection_list_for_partner(
            enterprise=enterprise,
            partner_ids=partner_ids,
            client_ids=client_ids,
            connection_ids=connection_ids,
            partners_connection_ids=partners_connection_ids,
        ),
        page_number,
        page_size,
    )
    show_own = not partner_ids or partner.pk in partner_ids
    accounts = _connection_balances(connections, extra_owners=[partner.pk] if show_own else [])
    _attach(connections, accounts)
    result = PartnerBalances(partner=partner, connections=connections)
    if show_own:
        result.balances = {
            account.currency.code: Balance(available=int(account.balance))
            for account in accounts
            if account.owner_id == partner.pk and account.kind == AccountKind.PARTNER
        }
    return result


@dataclass
class ConnectionFunds:
    """One currency's funds around a connection, as its allocate / deallocate pages and its page show them."""

    currency: Currency
    available: int = 0  # the client's available funds: what it may allocate (to any of its connections)
    held: int = 0  # allocated to this connection and cleared: what a deallocation may take back
    reserved: int = 0  # on this connection, waiting for the partner's answer


def connection_funds(*, connection: Connection, currencies: list[Currency] = ()) -> dict[str, ConnectionFunds]:
    """Per currency code, the client's available funds and `connection`'s held and reserved funds: every currency
    with an account among them, and `currencies` (e.g. the partner's supported ones) even at 0. One query. The
    caller has scoped `connection` to the enterprise (partners.selectors.connection_list_for_client)."""
    funds = {currency.code: ConnectionFunds(currency=currency) for currency in currencies}
    accounts = LedgerAccount.objects.filter(
        Q(owner_id=connection.client_id, kind=AccountKind.AVAILABLE)
        | Q(owner_id=connection.network_account_id, kind__in=CONNECTION_KINDS)
    )
    for account in accounts.select_related("currency").order_by("currency__code", "id"):
        row = funds.setdefault(account.currency.code, ConnectionFunds(currency=account.currency))
        if account.kind == AccountKind.AVAILABLE:
            row.available = int(account.balance)
        elif account.kind == AccountKind.HELD:
            row.held = int(account.balance)
        else:
            row.reserved = int(account.balance)
    return dict(sorted(funds.items()))
