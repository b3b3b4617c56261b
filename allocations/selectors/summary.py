"""The enterprise's money at a glance (the organization home page): totals per currency and what waits for whom.

A fixed number of queries whatever the number of connections, currencies and allocations.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from allocations.models import AccountKind, Allocation, AllocationStatus, LedgerAccount
from organizations.models import Organization
from partners.models import Connection, NetworkClient, Partner


@dataclass
class CurrencyTotals:
    code: str
    decimals: int
    available: int = 0  # the client's free funds
    allocated: int = 0  # held by its connections: allocated and cleared
    reserved: int = 0  # waiting for an asynchronous partner's answer
    partner: int = 0  # as a partner: its own account (settlements)


def client_currency_totals(*, client: NetworkClient, partner: Partner | None = None) -> list[CurrencyTotals]:
    """The client's funds per currency (by code): available, allocated over all its connections, reserved; and,
    for an enterprise that is also a partner, the partner's own account. One query. Currencies whose accounts are
    all zero are left out."""
    connections = Connection.objects.filter(client=client).values("network_account_id")
    owned = Q(owner_id=client.pk, kind=AccountKind.AVAILABLE) | Q(
        owner_id__in=connections, kind__in=(AccountKind.HELD, AccountKind.RESERVED)
    )
    if partner is not None:
        owned |= Q(owner_id=partner.pk, kind=AccountKind.PARTNER)
    accounts = LedgerAccount.objects.filter(owned)
    totals: dict[str, CurrencyTotals] = {}
    attribute = {
        AccountKind.AVAILABLE: "available",
        AccountKind.HELD: "allocated",
        AccountKind.RESERVED: "reserved",
        AccountKind.PARTNER: "partner",
    }
    rows = accounts.values_list("kind", "currency__code", "currency__decimals", "balance").order_by(
        "currency__code", "id"
    )
    for kind, code, decimals, balance in rows:  # summed in Python: exact on SQLite too (partners.amounts)
        row = totals.setdefault(code, CurrencyTotals(code, decimals))
        setattr(row, attribute[kind], getattr(row, attribute[kind]) + int(balance))
    return [row for row in totals.values() if row.available or row.allocated or row.reserved or row.partner]


def reserved_allocation_counts(*, enterprise: Organization) -> dict[str, int]:
    """Reserved allocations and deallocations: the enterprise's own, waiting for partners (`as_client`), and those
    made to it as a partner, waiting for its answer (`as_partner`). One query."""
    as_client, as_partner = Q(client__enterprise=enterprise), Q(partner__enterprise=enterprise)
    return Allocation.objects.filter(as_client | as_partner, status=AllocationStatus.RESERVED).aggregate(
        as_client=Count("id", filter=as_client), as_partner=Count("id", filter=as_partner)
    )
