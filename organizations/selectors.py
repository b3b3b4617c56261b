"""Reads. Every list orders explicitly with a unique tiebreak and fetches its relations up front."""

import functools
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from config.db import columns, instances, prepared_cursor
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


@functools.cache
def _active_keys_sql() -> str:
    table = SigningKey._meta.db_table
    return (
        f"SELECT {columns(SigningKey, 'k')} FROM {table} k "  # noqa: S608 - names from the model, no input
        "WHERE k.organization_id = %s AND k.active ORDER BY k.created_at, k.id"
    )


def signing_keys_active(*, organization: Organization) -> list[SigningKey]:
    """`signing_key_active_list` as a list, read by one hand-written SELECT (config.db): every signed request reads
    them, and compiling the queryset cost more than the database's answer."""
    connection = transaction.get_connection()
    organization_id = SigningKey._meta.get_field("organization").get_db_prep_value(organization.pk, connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(_active_keys_sql(), [organization_id])
        rows = cursor.fetchall()
    return [next(instances(row, connection, (SigningKey, frozenset()))) for row in rows]


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


@functools.cache
def _has_license_sql() -> str:
    return (
        f"SELECT EXISTS (SELECT 1 FROM {License._meta.db_table} l "  # noqa: S608 - names from the model, no input
        "WHERE l.organization_id = %s AND l.product = %s AND l.valid_from <= %s "
        "AND (l.valid_until IS NULL OR l.valid_until > %s))"
    )


def organization_has_license(*, organization: Organization, product: str = LicenseProduct.NETWORK, at=None) -> bool:
    """Whether `license_current` finds one: asked by every licensed API request, so one prepared EXISTS (config.db)
    rather than the ORM's query compiled anew each time."""
    connection = transaction.get_connection()
    field = License._meta.get_field
    params = [
        field("organization").get_db_prep_value(organization.pk, connection),
        product,
        *[field("valid_from").get_db_prep_value(at or timezone.now(), connection)] * 2,
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_has_license_sql(), params)
        return bool(cursor.fetchone()[0])


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


# A parent chain longer than this is not walked (sub-organizations are a few levels deep; a cycle ends here).
SUB_ORGANIZATION_MAX_DEPTH = 32


def organization_is_within(*, organization: Organization, candidate: Organization) -> bool:
    """`candidate` is `organization` or one of its sub-organizations (at any depth): the one rule for where a partner
    record may sit and which organization may send a guest invitation. Walks up from `candidate`'s id (which may be
    an unloaded or unknown organization: only its id is read), one query per level."""
    current_id = candidate.pk
    for _ in range(SUB_ORGANIZATION_MAX_DEPTH + 1):
        if current_id is None:
            return False
        if current_id == organization.pk:
            return True
        current_id = Organization.objects.filter(pk=current_id).values_list("parent_id", flat=True).first()
    return False


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
