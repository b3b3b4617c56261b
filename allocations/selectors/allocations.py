"""Reads of allocations and deallocations, for the client side and the partner side. Lists order explicitly with the
ties broken by created_at, then id, and fetch the currency up front (one query per page, whatever its size)."""

import datetime
import uuid

from django.db import connection as db_connection
from django.db.models import QuerySet
from django.db.models.functions import Length

from allocations.errors import AllocationNotFound
from allocations.models import Allocation
from config.db import PreparedQuery
from organizations.models import Organization

# The fields a list may be sorted by (`sort_field`), and the column each sorts on.
SORT_FIELDS = {"id": "id", "updated_at": "updated_at", "quantity": "quantity", "currency": "currency__code"}


def _filtered(queryset: QuerySet, **lookups) -> QuerySet:
    """`queryset` filtered by each lookup that was given: a non-empty list, or a value other than None."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value not in (None, [])})


def _ordered(queryset: QuerySet, sort_field: str | None, descending: bool) -> QuerySet:
    prefix = "-" if descending else ""
    ties = [f"{prefix}created_at", f"{prefix}id"]
    if sort_field is None:
        return queryset.order_by(*ties)
    field = SORT_FIELDS[sort_field]
    if field == "quantity" and db_connection.vendor == "sqlite":
        # SQLite keeps amounts as canonical digit strings (partners.amounts): shorter is smaller, then lexical.
        queryset = queryset.alias(quantity_digits=Length("quantity"))
        return queryset.order_by(f"{prefix}quantity_digits", f"{prefix}quantity", *ties)
    return queryset.order_by(f"{prefix}{field}", *ties)


def _allocations(
    queryset: QuerySet,
    *,
    allocation_ids: list[uuid.UUID] | None = None,
    types: list[str] | None = None,
    statuses: list[str] | None = None,
    currencies: list[str] | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    client_ids: list[uuid.UUID] | None = None,
    created_on_or_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
    sort_field: str | None = None,
    descending: bool = False,
) -> QuerySet[Allocation]:
    queryset = _filtered(
        queryset.select_related("currency"),
        pk__in=allocation_ids,
        type__in=types,
        status__in=statuses,
        currency__code__in=currencies,
        connection_id__in=connection_ids,
        partner_id__in=partner_ids,
        client_id__in=client_ids,
        created_at__gte=created_on_or_after,
        created_at__lt=created_before,
    )
    return _ordered(queryset, sort_field, descending)


def allocation_list_for_client(*, enterprise: Organization, **filters) -> QuerySet[Allocation]:
    """The allocations and deallocations the enterprise made as a client, filtered (each filter when given)."""
    return _allocations(Allocation.objects.filter(client__enterprise=enterprise), **filters)


def allocation_list_for_partner(*, enterprise: Organization, **filters) -> QuerySet[Allocation]:
    """The allocations and deallocations made to the enterprise as a partner."""
    return _allocations(Allocation.objects.filter(partner__enterprise=enterprise), **filters)


# One allocation by id within the enterprise's side, with its currency: compiled once (config.db.PreparedQuery), as
# every read of one allocation asks it.
_CLIENT_ALLOCATION = PreparedQuery(
    lambda allocation_id, enterprise_id: Allocation.objects.select_related("currency").filter(
        pk=allocation_id, client__enterprise_id=enterprise_id
    )[:1],
    fields=[Allocation._meta.pk, Organization._meta.pk],
)
_PARTNER_ALLOCATION = PreparedQuery(
    lambda allocation_id, enterprise_id: Allocation.objects.select_related("currency").filter(
        pk=allocation_id, partner__enterprise_id=enterprise_id
    )[:1],
    fields=[Allocation._meta.pk, Organization._meta.pk],
)


def allocation_get_for_client(*, enterprise: Organization, allocation_id: uuid.UUID) -> Allocation:
    """One of `allocation_list_for_client` by id (AllocationNotFound)."""
    allocation = _CLIENT_ALLOCATION.first(allocation_id, enterprise.pk)
    if allocation is None:
        raise AllocationNotFound()
    return allocation


def allocation_get_for_partner(*, enterprise: Organization, allocation_id: uuid.UUID) -> Allocation:
    """One of `allocation_list_for_partner` by id (AllocationNotFound)."""
    allocation = _PARTNER_ALLOCATION.first(allocation_id, enterprise.pk)
    if allocation is None:
        raise AllocationNotFound()
    return allocation
