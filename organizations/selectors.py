"""Reads. Every list orders explicitly with a unique tiebreak and fetches its relations up front."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.errors import ObjectNotFound
from organizations.models import (
    ApiClient,
    CustodialSigningKey,
    License,
    LicenseProduct,
    Membership,
    Organization,
    OrganizationConnection,
    OrganizationConnectionStatus,
    OrganizationPartner,
    SigningKey,
)


def organization_list_for_user(*, user) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).order_by("name", "id")


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__username", "id")


def organization_for_member_by_slug(*, user, slug: str) -> Organization | None:
    """The organization with that slug, if `user` is a member of it."""
    return Organization.objects.filter(slug=slug, memberships__user=user).first()


def membership_roles_for_user(*, user) -> dict[uuid.UUID, str]:
    return dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))


def api_client_list(*, organization: Organization) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(organization=organization).order_by("-active", "-created_at", "id")


def api_client_list_with_creators(*, organization: Organization) -> QuerySet[ApiClient]:
    """The API clients with who created each (`created_by`, None once that user is deleted) and whether that person
    is still a member (`creator_is_member`): a client belongs to the organization and outlives its creator's
    membership."""
    still_member = Membership.objects.filter(organization=organization, user=OuterRef("created_by"))
    return (
        api_client_list(organization=organization)
        .select_related("created_by")
        .annotate(creator_is_member=Exists(still_member))
    )


def signing_key_list(*, organization: Organization) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(organization=organization).order_by("-active", "-created_at", "id")


def signing_key_active_list(*, organization: Organization) -> QuerySet[SigningKey]:
    return SigningKey.objects.filter(organization=organization, active=True).order_by("created_at", "id")


def custodial_key_active(*, organization: Organization) -> CustodialSigningKey | None:
    """The organization's active custodial key (with its signing key), or None."""
    return (
        CustodialSigningKey.objects.filter(organization=organization, active=True, signing_key__active=True)
        .select_related("signing_key")
        .first()
    )


def license_current(*, organization: Organization, product: str = LicenseProduct.NETWORK, at=None) -> License | None:
    """The organization's license of `product` valid at `at` (now), the most recently started one if several."""
    at = at or timezone.now()
    return (
        License.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at),
            organization=organization,
            product=product,
            valid_from__lte=at,
        )
        .order_by("-valid_from", "-id")
        .first()
    )


def organization_has_license(*, organization: Organization, product: str = LicenseProduct.NETWORK, at=None) -> bool:
    return license_current(organization=organization, product=product, at=at) is not None


def organization_connection_between(*, a: uuid.UUID, b: uuid.UUID) -> OrganizationConnection | None:
    """The live (connected, not archived) connection between two organizations, in either direction."""
    return (
        OrganizationConnection.objects.filter(
            Q(host_id=a, guest_id=b) | Q(host_id=b, guest_id=a),
            status=OrganizationConnectionStatus.CONNECTED,
            archived=False,
        )
        .select_related("host", "guest")
        .first()
    )


def get_or_404(queryset: QuerySet, **lookup):
    """One object from a queryset already scoped to the caller's organization; anything else is NotFound."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, DjangoValidationError):
        raise ObjectNotFound() from None


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    """The user's memberships with their organizations, ordered by organization name (the web switcher's order)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


# --- organization partners ----------------------------------------------------------------------------------------

PARTNER_ORDER_FIELDS = ("company_name", "sales_amount", "partner_type", "email", "frequency", "payment_terms")
PARTNER_SEARCH_FIELDS = ("company_name", "email")


def partner_list(
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


def partner_get(*, organization: Organization, partner_id) -> OrganizationPartner:
    """One of the organization's partner records; another organization's id (or a malformed one) raises
    OrganizationPartnerNotFound (404)."""
    from organizations.partnering import OrganizationPartnerNotFound

    try:
        return OrganizationPartner.objects.get(organization=organization, pk=partner_id)
    except (OrganizationPartner.DoesNotExist, ValueError, DjangoValidationError):
        raise OrganizationPartnerNotFound() from None


def organization_guest_list(*, host: Organization) -> QuerySet[Organization]:
    """The organizations connected to `host` as its guests (connected, not archived), by name: the ones whose
    partner records the host may read."""
    live = OrganizationConnection.objects.filter(
        host=host, guest=OuterRef("pk"), status=OrganizationConnectionStatus.CONNECTED, archived=False
    )
    return Organization.objects.filter(Exists(live)).order_by("name", "id")


def organization_guest_get(*, host: Organization, guest_id) -> Organization:
    """One of `host`'s connected guest organizations; any other id (unrelated, its host, itself, malformed) raises
    ObjectNotFound (404)."""
    return get_or_404(organization_guest_list(host=host), pk=guest_id)
