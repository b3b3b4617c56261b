"""What the organization home page shows of the partner records (organizations.home)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from organization_partners.selectors import organization_partner_counts
from organizations.home import HomeFigure, HomeSection, HomeStep, has_permission
from organizations.models import PermissionCode


def home_section(request: HttpRequest) -> HomeSection | None:
    if not has_permission(request, PermissionCode.READ_PARTNER):
        return None
    counts = organization_partner_counts(organization=request.organization)
    url = reverse("partners")

    def listed(status: str) -> str:
        return f"{url}?{urlencode({'invitation_statuses': status})}"

    section = HomeSection(
        title="Partner records",
        url=url,
        link="Open the partner list →",
        figures=[
            HomeFigure("Partner record" + ("" if counts["total"] == 1 else "s"), str(counts["total"]), url),
            HomeFigure("Not invited", str(counts["none"]), listed("none")),
            HomeFigure("Invited, waiting", str(counts["invited"]), listed("invited")),
            HomeFigure("Accepted", str(counts["accepted"]), listed("accepted")),
        ],
    )
    if counts["total"] == 0 and has_permission(request, PermissionCode.WRITE_PARTNER):
        section.steps.append(
            HomeStep(
                "Add your business partners, one by one or from a CSV file.",
                reverse("partner-create"),
                "Add a partner record",
            )
        )
    return section
