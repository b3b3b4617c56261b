"""What the organization home page shows of invitations and connected organizations (organizations.home)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from invitations.selectors import guest_connection_list, host_connection_list, invitation_counts
from organization_partners.selectors import organization_partner_counts
from organizations.home import HomeFigure, HomeSection, HomeStep, has_permission
from organizations.models import OrganizationConnectionStatus, PermissionCode


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def home_section(request: HttpRequest) -> HomeSection | None:
    if not has_permission(request, PermissionCode.READ_INVITATION):
        return None
    organization = request.organization
    counts = invitation_counts(organization=organization)
    connected = [OrganizationConnectionStatus.CONNECTED]
    guests = guest_connection_list(organization=organization, archived=False, statuses=connected).count()
    hosts = host_connection_list(organization=organization, archived=False, statuses=connected).count()
    invitations, connections = reverse("org-invitations"), reverse("org-connections")
    figures = [HomeFigure("Guest invitations waiting for an answer", str(counts["guest_pending"]), invitations)]
    if has_permission(request, PermissionCode.MANAGE_ORGANIZATION):  # member invitations show to managers only
        figures.append(HomeFigure("Member invitations waiting", str(counts["member_pending"]), invitations))
    figures += [
        HomeFigure("Connected guest organization" + ("" if guests == 1 else "s"), str(guests), connections),
        HomeFigure("Host organization" + ("" if hosts == 1 else "s"), str(hosts), connections),
    ]
    section = HomeSection(
        title="Invitations and connected organizations",
        figures=figures,
        url=invitations,
        link="Open the invitations →",
    )
    if has_permission(request, PermissionCode.WRITE_INVITATION):
        if counts["expired"]:
            section.steps.append(
                HomeStep(
                    f"{_plural(counts['expired'], 'invitation', 'invitations')} expired unanswered: resend "
                    "them, or let them be.",
                    invitations,
                    "Review the invitations",
                )
            )
        invitable = organization_partner_counts(organization=organization)["invitable"]
        if invitable:
            partners = f"{reverse('partners')}?{urlencode({'invitation_statuses': 'none'})}"
            section.steps.append(
                HomeStep(
                    f"{_plural(invitable, 'partner record has', 'partner records have')} an email but no "
                    "invitation yet: invite them to connect.",
                    partners,
                    "Invite partners",
                )
            )
    return section
