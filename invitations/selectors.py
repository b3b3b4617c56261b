"""Reads of invitations and the organization connections they make (organization_partners' records they are for).

A sent invitation past its expiry reads as expired (`current_status`), even before the beat task marks it.
"""

import hashlib
import re
from datetime import datetime

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from invitations.errors import (
    InvitationAlreadyAccepted,
    InvitationExpired,
    InvitationForSomeoneElse,
    InvitationNotFound,
)
from invitations.models import Invitation, InvitationKind, InvitationStatus
from organization_partners.models import OrganizationPartner
from organizations.models import Organization, OrganizationConnection, Role

# What `secrets.token_urlsafe(32)` makes (43 characters); anything else cannot be a token and is not even hashed.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# Roles that may connect an organization to another one (accept a guest invitation for it).
CONNECTING_ROLES = (Role.OWNER, Role.ADMIN)
INVITATION_ORDERINGS = ("created_at", "email", "expired_at", "status")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_is_expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return invitation.status == InvitationStatus.EXPIRED or (
        invitation.status == InvitationStatus.SENT and invitation.expired_at <= (now or timezone.now())
    )


def invitation_usable(invitation: Invitation | None, user, now: datetime) -> Invitation:
    """The checks every use of a token makes, in the order a person would want to hear them."""
    if invitation is None:
        raise InvitationNotFound()
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationAlreadyAccepted()
    if invitation_is_expired(invitation, now):
        raise InvitationExpired()
    if user is not None and (user.email or "").casefold() != invitation.email.casefold():
        raise InvitationForSomeoneElse()
    return invitation


def _current_status(now: datetime) -> Case:
    """The status a reader sees: a sent invitation past its expiry is expired, even before the sweep marks it."""
    return Case(
        When(status=InvitationStatus.SENT, expired_at__lte=now, then=Value(InvitationStatus.EXPIRED.value)),
        default=F("status"),
        output_field=CharField(),
    )


def _status_filter(statuses: list[str], now: datetime) -> Q:
    q = Q(pk__in=[])
    for status in statuses:
        if status == InvitationStatus.SENT:
            q |= Q(status=InvitationStatus.SENT, expired_at__gt=now)
        elif status == InvitationStatus.EXPIRED:
            q |= Q(status=InvitationStatus.EXPIRED) | Q(status=InvitationStatus.SENT, expired_at__lte=now)
        else:
            q |= Q(status=status)
    return q


def effective_status(invitation: Invitation) -> str:
    current = getattr(invitation, "current_status", None)
    if current:
        return current
    return InvitationStatus.EXPIRED if invitation_is_expired(invitation) else invitation.status


def invitation_list(
    *,
    organization: Organization,
    kind: str,
    statuses: list[str] | None = None,
    search_text: str | None = None,
    expired: bool | None = None,
    archived: bool | None = None,
    order_by: str = "created_at",
    order_dir: str = "desc",
) -> QuerySet[Invitation]:
    """The organization's invitations of one kind, with `current_status`; ties by id."""
    now = timezone.now()
    queryset = (
        Invitation.objects.filter(organization=organization, kind=kind)
        .select_related("partner")
        .annotate(current_status=_current_status(now))
    )
    if statuses:
        queryset = queryset.filter(_status_filter(statuses, now))
    if search_text:
        queryset = queryset.filter(email__icontains=search_text)
    if expired is not None:
        queryset = queryset.filter(expired_at__lte=now) if expired else queryset.filter(expired_at__gt=now)
    if archived is not None:
        queryset = queryset.filter(archived=archived)
    field = {"status": "current_status"}.get(order_by, order_by)
    if order_by not in INVITATION_ORDERINGS:
        raise ValueError(f"unknown ordering {order_by!r}")
    prefix = "-" if order_dir == "desc" else ""
    return queryset.order_by(f"{prefix}{field}", f"{prefix}id")


def invitation_counts(*, organization: Organization) -> dict[str, int]:
    """The organization's invitations waiting for an answer (sent, not expired) by kind (`guest_pending`,
    `member_pending`) and those that expired unanswered and are not archived (`expired`). One query."""
    now = timezone.now()
    pending = _status_filter([InvitationStatus.SENT], now)
    return Invitation.objects.filter(organization=organization).aggregate(
        guest_pending=Count("id", filter=pending & Q(kind=InvitationKind.GUEST)),
        member_pending=Count("id", filter=pending & Q(kind=InvitationKind.MEMBER)),
        expired=Count("id", filter=_status_filter([InvitationStatus.EXPIRED], now) & Q(archived=False)),
    )


def invitation_scope(*, organization: Organization) -> QuerySet[Invitation]:
    """Every invitation of the organization (the scope of a lookup by id)."""
    return Invitation.objects.filter(organization=organization).order_by("created_at", "id")


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation | None:
    """The invitation a link's token names (with its organizations), or None. Nothing is changed; `lock` (in a
    transaction) locks its row, so two accepts cannot both succeed."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        return None
    queryset = Invitation.objects.select_related("organization", "parent_organization")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(token_hash=token_hash(token)).first()


def invitation_problem(invitation: Invitation | None, user=None) -> Exception | None:
    """Why the invitation cannot be accepted (by `user`, when given), as the domain error accepting would raise."""
    try:
        invitation_usable(invitation, user, timezone.now())
    except (InvitationNotFound, InvitationAlreadyAccepted, InvitationExpired, InvitationForSomeoneElse) as exc:
        return exc
    return None


def organizations_for_guest_accept(*, user) -> QuerySet[Organization]:
    """The user's organizations they may connect as a guest (owner or admin), by name."""
    return Organization.objects.filter(memberships__user=user, memberships__role__in=CONNECTING_ROLES).order_by(
        "name", "id"
    )


def partner_for_invitation(*, organization: Organization) -> QuerySet[OrganizationPartner]:
    """The organization's partner records (the scope of `POST /partners/{id}/invite`)."""
    return OrganizationPartner.objects.filter(organization=organization).order_by("created_at", "id")


def _connection_filters(queryset, *, archived: bool | None, statuses: list[str] | None):
    if archived is not None:
        queryset = queryset.filter(archived=archived)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    return queryset.order_by("-created_at", "-id")


def guest_connection_list(
    *, organization: Organization, archived: bool | None = None, statuses: list[str] | None = None
) -> QuerySet[OrganizationConnection]:
    """The organization's guests (it is their host), newest first, with each guest organization."""
    queryset = OrganizationConnection.objects.filter(host=organization).select_related("guest")
    return _connection_filters(queryset, archived=archived, statuses=statuses)


def host_connection_list(
    *, organization: Organization, archived: bool | None = None, statuses: list[str] | None = None
) -> QuerySet[OrganizationConnection]:
    """The organizations that host this one (it is their guest), newest first, with each host organization."""
    queryset = OrganizationConnection.objects.filter(guest=organization).select_related("host")
    return _connection_filters(queryset, archived=archived, statuses=statuses)
