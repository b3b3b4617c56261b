"""What the organization home page shows of settlements and disputes (organizations.home)."""

from django.http import HttpRequest
from django.urls import reverse

from organizations.home import HomeFigure, HomeSection, HomeStep, has_permission
from organizations.models import PermissionCode
from organizations.selectors import license_current
from settlements.models import SettlementStatus
from settlements.selectors import dispute_list_for_client, dispute_list_for_partner, settlement_list_for_client


def home_section(request: HttpRequest) -> HomeSection | None:
    enterprise = request.organization
    if not has_permission(request, PermissionCode.READ_NETWORK) or license_current(organization=enterprise) is None:
        return None
    pending = settlement_list_for_client(enterprise=enterprise, statuses=[SettlementStatus.PENDING]).count()
    raised = dispute_list_for_client(enterprise=enterprise, closed=False, show_retracted=False).count()
    against = dispute_list_for_partner(enterprise=enterprise, closed=False).count()
    if not (pending or raised or against):
        return None  # nothing under way: the Network section's tabs lead to the history
    settlements = reverse("settlements:client-list")
    section = HomeSection(title="Settlements", url=settlements, link="Open your settlements →")
    section.figures += [
        HomeFigure("Pending settlements on your connections", str(pending), settlements),
        HomeFigure("Disputes you raised, still open", str(raised), settlements),
    ]
    if against:
        incoming = reverse("settlements:incoming-settlements")
        section.figures.append(HomeFigure("Open disputes of your settlements, as a partner", str(against), incoming))
        if has_permission(request, PermissionCode.WRITE_NETWORK):
            section.steps.append(
                HomeStep(
                    f"{against} dispute{'' if against == 1 else 's'} of your settlements "
                    f"{'is' if against == 1 else 'are'} open: look at the client's figures and close "
                    f"{'it' if against == 1 else 'them'}.",
                    incoming,
                    "Your settlements as a partner",
                )
            )
    return section
