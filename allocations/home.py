"""What the organization home page shows of the enterprise's money (organizations.home): its balances per
currency in whole units and the allocations waiting for an answer."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from allocations.selectors.summary import client_currency_totals, reserved_allocation_counts
from organizations.home import HomeFigure, HomeSection, HomeStep, HomeTable, has_permission
from organizations.models import PermissionCode
from organizations.selectors import license_current
from partners.amounts import format_units
from partners.selectors import network_client_find, partner_find


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def home_section(request: HttpRequest) -> HomeSection | None:
    enterprise = request.organization
    if not has_permission(request, PermissionCode.READ_NETWORK) or license_current(organization=enterprise) is None:
        return None
    client = network_client_find(enterprise=enterprise)
    waiting = reserved_allocation_counts(enterprise=enterprise)
    balances = reverse("allocations:balances")
    section = HomeSection(title="Balances", url=balances, link="Open the balances →")
    if client is not None:
        partner = partner_find(enterprise=enterprise)
        totals = client_currency_totals(client=client, partner=partner)
        if totals:
            # Currencies across, kinds of funds down: a few currencies fit a phone's width.
            kinds = [("Available", "available"), ("Allocated", "allocated"), ("Reserved", "reserved")]
            if partner is not None:
                kinds.append(("As a partner", "partner"))
            section.table = HomeTable(
                caption="Your funds per currency, in whole units",
                columns=("Funds", *(row.code for row in totals)),
                rows=[
                    (label, *(format_units(getattr(row, name), row.decimals, row.code) for row in totals))
                    for label, name in kinds
                ],
                numeric=tuple(range(1, len(totals) + 1)),
            )
        else:
            section.note = "No funds yet: the network's staff deposit them into your network account."
        allocations = reverse("allocations:allocations")
        section.figures.append(
            HomeFigure(
                "Allocations waiting for a partner's answer",
                str(waiting["as_client"]),
                f"{allocations}?{urlencode({'status': 'reserved'})}",
            )
        )
        can_write = has_permission(request, PermissionCode.WRITE_NETWORK)
        if (
            can_write
            and any(row.available for row in totals)
            and not any(row.allocated or row.reserved for row in totals)
        ):
            section.steps.append(
                HomeStep(
                    "You have funds and nothing allocated: allocate to a partner from one of your connections.",
                    reverse("network:connections"),
                    "Your connections",
                )
            )
    incoming = reverse("allocations:incoming-allocations")
    if waiting["as_partner"]:
        section.figures.append(HomeFigure("Incoming allocations to answer", str(waiting["as_partner"]), incoming))
        if has_permission(request, PermissionCode.WRITE_NETWORK):
            section.steps.append(
                HomeStep(
                    f"{_plural(waiting['as_partner'], 'allocation waits', 'allocations wait')} for your answer as a "
                    "partner: confirm or refuse.",
                    incoming,
                    "Answer them",
                )
            )
    return None if client is None and not section.figures else section
