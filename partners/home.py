"""What the organization home page shows of the enterprise's place in the network (organizations.home)."""

from django.http import HttpRequest
from django.urls import reverse

from organizations.home import HomeFigure, HomeSection, HomeStep, has_permission
from organizations.models import PermissionCode
from organizations.selectors import license_current
from partners.selectors import (
    connection_list_for_client,
    connection_list_for_partner,
    network_client_find,
    partner_config_find,
    partner_find,
)


def home_section(request: HttpRequest) -> HomeSection | None:
    if not has_permission(request, PermissionCode.READ_NETWORK):
        return None
    enterprise = request.organization
    can_write = has_permission(request, PermissionCode.WRITE_NETWORK)
    overview = reverse("network:overview")
    section = HomeSection(title="Network", url=overview, link="Open the Network section →")
    license_ = license_current(organization=enterprise)
    if license_ is None:
        section.figures.append(HomeFigure("Network license", "None", overview))
        if can_write:
            section.steps.append(
                HomeStep("The network needs a network license, which the network's staff grant.", overview, "Read more")
            )
        return section
    client = network_client_find(enterprise=enterprise)
    partner = partner_find(enterprise=enterprise)
    connections = connection_list_for_client(enterprise=enterprise, active=True).count() if client else 0
    section.figures += [
        HomeFigure("Network license", license_.get_trust_org_display(), overview),
        HomeFigure(
            "Active connection" + ("" if connections == 1 else "s") + " to partners",
            str(connections),
            reverse("network:connections"),
        ),
    ]
    if partner is not None:
        incoming = connection_list_for_partner(enterprise=enterprise, active=True).count()
        section.figures += [
            HomeFigure("Partner", partner.name, overview),
            HomeFigure(
                "Incoming connection" + ("" if incoming == 1 else "s"), str(incoming), reverse("network:incoming")
            ),
        ]
    if not can_write:
        return section
    if client is None:
        section.steps.append(
            HomeStep("Create your network client: the account your allocations use.", overview, "Create it")
        )
    elif connections == 0 and partner is None:  # a partner is connected to, it need not connect itself
        section.steps.append(
            HomeStep("Connect to a partner to allocate funds to it.", reverse("network:directory"), "Find a partner")
        )
    if partner is None and partner_config_find(enterprise=enterprise) is not None:
        section.steps.append(
            HomeStep(
                "The network's staff have set up a partner config for you: register as a partner.",
                reverse("network:register"),
                "Register",
            )
        )
    return section
