"""Reads of the network. Every list orders explicitly with a unique tiebreak and fetches its relations up front.

`*_get` raises a not-found domain error (as organizations' selectors do); `*_find` returns None when there is none,
for pages and services that take "not yet" as an answer (no network client yet, not a partner).
"""

import uuid

from django.db.models import Prefetch, QuerySet

from organizations.models import Organization
from organizations.selectors import license_current
from partners.errors import CurrencyNotFound
from partners.models import Connection, Currency, NetworkClient, Partner, PartnerConfig


def currency_list(*, active: bool | None = None, testnet: bool | None = None) -> QuerySet[Currency]:
    """Currencies by code; `active` / `testnet` filter when given."""
    currencies = Currency.objects.all()
    if active is not None:
        currencies = currencies.filter(active=active)
    if testnet is not None:
        currencies = currencies.filter(testnet=testnet)
    return currencies.order_by("code")


def currency_get(code: str) -> Currency:
    """The currency with this code (codes are lowercase; the lookup is exact). CurrencyNotFound when there is none."""
    try:
        return Currency.objects.get(code=code)
    except Currency.DoesNotExist:
        raise CurrencyNotFound(f"No currency {code!r}.") from None


def trust_org_of(*, enterprise: Organization) -> str | None:
    """The enterprise's trust org: its network client's, else its network license's."""
    client = NetworkClient.objects.filter(enterprise=enterprise).only("trust_org").first()
    if client is not None:
        return client.trust_org
    license_ = license_current(organization=enterprise)
    return license_.trust_org if license_ is not None else None


def _filtered(queryset: QuerySet, **lookups) -> QuerySet:
    """`queryset` filtered by each lookup that was given: a non-empty list, or a value other than None."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value not in (None, [])})


def partner_directory(
    *,
    enterprise: Organization,
    ids: list[uuid.UUID] | None = None,
    names: list[str] | None = None,
    institution_ids: list[uuid.UUID] | None = None,
    institution_identifiers: list[str] | None = None,
    active: bool | None = None,
    filter_by_trust_org: bool = False,
    allocation_policies_enabled: bool | None = None,
) -> QuerySet[Partner]:
    """The network's partners, by name. `filter_by_trust_org`: only those of the enterprise's own trust org."""
    queryset = _filtered(
        Partner.objects.select_related("config"),
        pk__in=ids,
        name__in=names,
        institution_id__in=institution_ids,
        institution_identifier__in=institution_identifiers,
        active=active,
        allocation_policies_enabled=allocation_policies_enabled,
    )
    if filter_by_trust_org:
        queryset = queryset.filter(config__trust_org=trust_org_of(enterprise=enterprise))
    return queryset.order_by("name", "id")


def connection_list_for_client(
    *,
    enterprise: Organization,
    active: bool | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    names: list[str] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
) -> QuerySet[Connection]:
    """The enterprise's own connections (as a client), oldest first."""
    return _filtered(
        Connection.objects.select_related("client", "partner").filter(client__enterprise=enterprise),
        active=active,
        pk__in=connection_ids,
        name__in=names,
        partner_id__in=partner_ids,
    ).order_by("created_at", "id")


def connection_list_for_partner(
    *,
    enterprise: Organization,
    active: bool | None = None,
    client_ids: list[uuid.UUID] | None = None,
    connection_ids: list[uuid.UUID] | None = None,
    partners_client_ids: list[str] | None = None,
    partners_connection_ids: list[str] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
) -> QuerySet[Connection]:
    """The connections made to the enterprise as a partner (none when it is not one), oldest first."""
    return _filtered(
        Connection.objects.select_related("client", "partner").filter(partner__enterprise=enterprise),
        active=active,
        client_id__in=client_ids,
        pk__in=connection_ids,
        partners_client_id__in=partners_client_ids,
        partners_connection_id__in=partners_connection_ids,
        partner_id__in=partner_ids,
    ).order_by("created_at", "id")


def partner_list_with_currencies(*, partner_ids: list[uuid.UUID]) -> QuerySet[Partner]:
    """The partners among `partner_ids` (unknown ids are left out), each with its config's active currencies by code
    in `supported_currency_list`. Two queries, whatever the number of partners."""
    currencies = Currency.objects.filter(active=True).order_by("code")
    return (
        Partner.objects.filter(pk__in=partner_ids)
        .select_related("config")
        .prefetch_related(
            Prefetch("config__supported_currencies", queryset=currencies, to_attr="supported_currency_list")
        )
        .order_by("name", "id")
    )


def network_client_find(*, enterprise: Organization) -> NetworkClient | None:
    """The enterprise's network client, or None before it has one."""
    return NetworkClient.objects.filter(enterprise=enterprise).first()


def partner_config_find(*, enterprise: Organization) -> PartnerConfig | None:
    """The partner config staff set up for the enterprise, or None."""
    return PartnerConfig.objects.filter(enterprise=enterprise).first()


def partner_find(*, enterprise: Organization) -> Partner | None:
    """The enterprise's own partner record (with its config), or None when it is not a partner."""
    return Partner.objects.select_related("config").filter(enterprise=enterprise).first()
