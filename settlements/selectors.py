"""Reads of settlements, settlement transfers and disputes, for the partner side and the client side.

A client sees the settlements that move something on one of its connections (as the connection or as the
counterparty connection), and of each only its own transfers; a partner sees its own settlements whole. Lists order
by creation (ties by id) and fetch what their rows show up front: one query per page whatever its size, plus one per
related list (a settlement's transfers, a dispute's closure transfers).
"""

import datetime
import uuid

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from allocations.selectors.allocations import _filtered
from organizations.models import Organization
from partners.selectors import network_client_find, partner_find
from settlements.errors import SettlementNotFound
from settlements.models import Dispute, Settlement, SettlementTransfer

TRANSFER_RELATIONS = (
    "currency",
    "settlement",
    "partner__client__enterprise",
    "connection__client__enterprise",
    "counterparty_connection__client__enterprise",
)


def transfer_queryset() -> QuerySet[SettlementTransfer]:
    return SettlementTransfer.objects.select_related(*TRANSFER_RELATIONS)


def _none(model) -> QuerySet:
    return model.objects.none()


def _client_transfers(client) -> Q:
    return Q(client=client) | Q(counterparty_client=client)


# --- settlements --------------------------------------------------------------------------------------------------


def _settlements(
    queryset: QuerySet,
    *,
    settlement_ids: list[uuid.UUID] | None = None,
    only_show_disputed: bool | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    party_connection_ids: list[uuid.UUID] | None = None,
    counterparty_connection_ids: list[uuid.UUID] | None = None,
    statuses: list[str] | None = None,
    external_ids: list[str] | None = None,
    created_on_or_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
    updated_on_or_after: datetime.datetime | None = None,
    updated_before: datetime.datetime | None = None,
) -> QuerySet[Settlement]:
    queryset = _filtered(
        queryset,
        pk__in=settlement_ids,
        partner_id__in=partner_ids,
        status__in=statuses,
        external_id__in=external_ids,
        created_at__gte=created_on_or_after,
        created_at__lt=created_before,
        updated_at__gte=updated_on_or_after,
        updated_at__lt=updated_before,
    )
    if only_show_disputed:
        queryset = queryset.filter(disputed=True)
    if party_connection_ids:
        queryset = queryset.filter(
            Exists(SettlementTransfer.objects.filter(settlement=OuterRef("pk"), connection_id__in=party_connection_ids))
        )
    if counterparty_connection_ids:
        queryset = queryset.filter(
            Exists(
                SettlementTransfer.objects.filter(
                    settlement=OuterRef("pk"), counterparty_connection_id__in=counterparty_connection_ids
                )
            )
        )
    return queryset.order_by("created_at", "id")


def settlement_list_for_partner(*, enterprise: Organization, **filters) -> QuerySet[Settlement]:
    """The enterprise's settlements as a partner (none when it is not one), filtered."""
    partner = partner_find(enterprise=enterprise)
    if partner is None:
        return _none(Settlement)
    return _settlements(Settlement.objects.filter(partner=partner), **filters)


def settlement_list_for_client(*, enterprise: Organization, **filters) -> QuerySet[Settlement]:
    """The settlements that move something on one of the enterprise's connections, filtered, each annotated with
    `sends` and `receives` (whether the client gives, and gets, something in it)."""
    client = network_client_find(enterprise=enterprise)
    if client is None:
        return _none(Settlement)
    mine = SettlementTransfer.objects.filter(settlement=OuterRef("pk"))
    loss = Q(quantity__startswith="-")  # exact on both databases (SQLite keeps amounts as text)
    sends = mine.filter((Q(client=client) & loss) | (Q(counterparty_client=client) & ~loss))
    receives = mine.filter((Q(client=client) & ~loss) | (Q(counterparty_client=client) & loss))
    queryset = Settlement.objects.alias(involved=Exists(mine.filter(_client_transfers(client)))).filter(involved=True)
    return _settlements(queryset.annotate(sends=Exists(sends), receives=Exists(receives)), **filters)


def settlement_get_for_partner(*, enterprise: Organization, settlement_id: uuid.UUID) -> Settlement:
    settlement = settlement_list_for_partner(enterprise=enterprise, settlement_ids=[settlement_id]).first()
    if settlement is None:
        raise SettlementNotFound()
    return settlement


def settlement_get_for_client(*, enterprise: Organization, settlement_id: uuid.UUID) -> Settlement:
    settlement = settlement_list_for_client(enterprise=enterprise, settlement_ids=[settlement_id]).first()
    if settlement is None:
        raise SettlementNotFound()
    return settlement


# --- settlement transfers ---------------------------------------------------------------------------------------


def settlement_transfers_of(
    *,
    settlement: Settlement,
    client=None,
    currencies: list[str] | None = None,
    source_network_account_ids: list[uuid.UUID] | None = None,
    destination_network_account_ids: list[uuid.UUID] | None = None,
    source_trading_account_ids: list[uuid.UUID] | None = None,
    destination_trading_account_ids: list[uuid.UUID] | None = None,
) -> QuerySet[SettlementTransfer]:
    """A settlement's transfers (only `client`'s when given), filtered. A transfer's source is the partner or the
    counterparty connection, its destination the connection (settlements.models.SettlementTransfer)."""
    queryset = transfer_queryset().filter(settlement=settlement)
    if client is not None:
        queryset = queryset.filter(_client_transfers(client))
    queryset = _filtered(
        queryset,
        currency__code__in=currencies,
        counterparty_connection__network_account_id__in=source_network_account_ids,
        connection__network_account_id__in=destination_network_account_ids,
        connection__client__wallet_id__in=destination_trading_account_ids,
    )
    if source_trading_account_ids:
        queryset = queryset.filter(
            Q(counterparty_connection__isnull=True, partner__client__wallet_id__in=source_trading_account_ids)
            | Q(counterparty_connection__client__wallet_id__in=source_trading_account_ids)
        )
    return queryset.order_by("created_at", "id")


def settlement_transfer_list_for_client(
    *,
    enterprise: Organization,
    currencies: list[str] | None = None,
    initiated_by: list[str] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    settlement_ids: list[uuid.UUID] | None = None,
    settlement_statuses: list[str] | None = None,
    settlement_transfer_statuses: list[str] | None = None,
    settlement_updated_before: datetime.datetime | None = None,
    settlement_updated_on_or_after: datetime.datetime | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    sort_field: str | None = None,
    descending: bool = False,
) -> QuerySet[SettlementTransfer]:
    """Every settlement transfer on the enterprise's connections (taken into a settlement), filtered (`connection_ids`:
    on those connections, either side); sorted by `updated_at` (the only sort field) or by creation."""
    client = network_client_find(enterprise=enterprise)
    if client is None:
        return _none(SettlementTransfer)
    transfers = transfer_queryset().filter(_client_transfers(client), settlement__isnull=False)
    if connection_ids:
        transfers = transfers.filter(
            Q(connection_id__in=connection_ids) | Q(counterparty_connection_id__in=connection_ids)
        )
    queryset = _filtered(
        transfers,
        currency__code__in=currencies,
        settlement__initiated_by__in=initiated_by,
        partner_id__in=partner_ids,
        settlement_id__in=settlement_ids,
        settlement__status__in=settlement_statuses,
        status__in=settlement_transfer_statuses,
        settlement__updated_at__lt=settlement_updated_before,
        settlement__updated_at__gte=settlement_updated_on_or_after,
    )
    prefix = "-" if descending else ""
    first = [f"{prefix}updated_at"] if sort_field == "updated_at" else []
    return queryset.order_by(*first, f"{prefix}created_at", f"{prefix}id")


# --- disputes -----------------------------------------------------------------------------------------------------


def dispute_queryset() -> QuerySet[Dispute]:
    closure_transfers = Prefetch(
        "closure__adjusted_settlement_transfers",
        queryset=transfer_queryset().order_by("created_at", "id"),
    )
    return Dispute.objects.select_related("closure", "connection").prefetch_related(closure_transfers)


def _disputes(
    queryset: QuerySet,
    *,
    settlement_ids: list[uuid.UUID] | None = None,
    settled_in_settlement_ids: list[uuid.UUID] | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    closed: bool | None = None,
    dispute_ids: list[uuid.UUID] | None = None,
    dispute_closure_ids: list[uuid.UUID] | None = None,
    settlement_external_ids: list[str] | None = None,
    settled_in_settlement_external_ids: list[str] | None = None,
    show_retracted: bool | None = None,
    client_ids: list[uuid.UUID] | None = None,
) -> QuerySet[Dispute]:
    queryset = _filtered(
        queryset,
        settlement_id__in=settlement_ids,
        settled_in_settlement_id__in=settled_in_settlement_ids,
        connection_id__in=connection_ids,
        partner_id__in=partner_ids,
        pk__in=dispute_ids,
        closure_id__in=dispute_closure_ids,
        settlement__external_id__in=settlement_external_ids,
        settled_in_settlement__external_id__in=settled_in_settlement_external_ids,
        client_id__in=client_ids,
    )
    if closed is not None:
        queryset = queryset.filter(closure__isnull=not closed)
    if show_retracted is False:
        queryset = queryset.filter(retracted=False)
    return queryset.order_by("created_at", "id")


def dispute_list_for_partner(*, enterprise: Organization, **filters) -> QuerySet[Dispute]:
    """The disputes of the enterprise's settlements as a partner. Retracted ones only with `show_retracted`."""
    partner = partner_find(enterprise=enterprise)
    if partner is None:
        return _none(Dispute)
    filters.setdefault("show_retracted", False)
    return _disputes(dispute_queryset().filter(partner=partner), **filters)


def dispute_list_for_client(*, enterprise: Organization, **filters) -> QuerySet[Dispute]:
    """The disputes the enterprise raised as a client, retracted ones included (they are its own)."""
    client = network_client_find(enterprise=enterprise)
    if client is None:
        return _none(Dispute)
    return _disputes(dispute_queryset().filter(client=client), **filters)


def settlement_disputes(*, settlement: Settlement, client=None) -> dict[str, list[Dispute]]:
    """A settlement's disputes (`settlement_disputes`: raised on it) and the closed disputes it settles
    (`settling_disputes`), only `client`'s when given: two queries and their closures' transfers."""
    raised = dispute_queryset().filter(settlement=settlement)
    settling = dispute_queryset().filter(settled_in_settlement=settlement)
    if client is not None:
        raised, settling = raised.filter(client=client), settling.filter(client=client)
    return {
        "settlement_disputes": list(raised.order_by("created_at", "id")),
        "settling_disputes": list(settling.order_by("created_at", "id")),
    }
