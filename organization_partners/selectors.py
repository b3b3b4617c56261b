"""Reads of the organization's partner records. Every list orders explicitly with a unique tiebreak."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet

from organization_partners.errors import OrganizationPartnerNotFound
from organization_partners.models import OrganizationPartner, PartnerInvitationStatus
from organizations.models import Organization

PARTNER_ORDER_FIELDS = ("company_name", "sales_amount", "partner_type", "email", "frequency", "payment_terms")
PARTNER_SEARCH_FIELDS = ("company_name", "email")


def organization_partner_list(
    *,
    organization: Organization,
    partner_types: list[str] | None = None,
    partner_ids: list[uuid.UUID] | None = None,
    invitation_statuses: list[str] | None = None,
    search_field: str = "company_name",
    search_text: str = "",
    order_by: str | None = None,
    order_dir: str = "asc",
) -> QuerySet[OrganizationPartner]:
    """The organization's partner records, filtered; ordered by `order_by` (PARTNER_ORDER_FIELDS; default: oldest
    first) in `order_dir`, ties by id in the same direction, so pages never repeat or skip a row. An
    `invitation_statuses` entry "none" matches records never invited. `search_text` is a case-insensitive
    substring of `search_field` (PARTNER_SEARCH_FIELDS)."""
    partners = OrganizationPartner.objects.filter(organization=organization)
    if partner_types:
        partners = partners.filter(partner_type__in=partner_types)
    if partner_ids:
        partners = partners.filter(pk__in=partner_ids)
    if invitation_statuses:
        statuses = ["" if status == "none" else status for status in invitation_statuses]
        partners = partners.filter(invitation_status__in=statuses)
    if search_text:
        if search_field not in PARTNER_SEARCH_FIELDS:
            raise ValueError(f"search_field must be one of {PARTNER_SEARCH_FIELDS}")
        partners = partners.filter(**{f"{search_field}__icontains": search_text})
    if order_by is not None and order_by not in PARTNER_ORDER_FIELDS:
        raise ValueError(f"order_by must be one of {PARTNER_ORDER_FIELDS}")
    sign = "-" if order_dir == "desc" else ""
    keys = [order_by] if order_by else ["created_at"]
    return partners.order_by(*(f"{sign}{key}" for key in [*keys, "id"]))


def organization_partner_counts(*, organization: Organization) -> dict[str, int]:
    """How many partner records the organization has: `total`, and by invitation status (`none`: never invited,
    `invited`, `accepted`), and `invitable` (never invited, with an email). One query, whatever the number."""
    never = Q(invitation_status="")
    return OrganizationPartner.objects.filter(organization=organization).aggregate(
        total=Count("id"),
        none=Count("id", filter=never),
        invited=Count("id", filter=Q(invitation_status=PartnerInvitationStatus.INVITED)),
        accepted=Count("id", filter=Q(invitation_status=PartnerInvitationStatus.ACCEPTED)),
        invitable=Count("id", filter=never & ~Q(email="")),
    )


def organization_partner_get(*, organization: Organization, partner_id) -> OrganizationPartner:
    """One of the organization's partner records; another organization's id (or a malformed one) raises
    OrganizationPartnerNotFound (404)."""
    try:
        return OrganizationPartner.objects.get(organization=organization, pk=partner_id)
    except (OrganizationPartner.DoesNotExist, ValueError, DjangoValidationError):
        raise OrganizationPartnerNotFound() from None
