"""Who is calling, in which organization, with which permissions, and in which access scenario.

`Caller` is what authentication leaves on `request.auth` (for session users it is built on first use).
`access_resolve` turns the `Requester-Organization-ID` / `Target-Organization-ID` headers into an `Access`:
Self (same organization), Host (the requester invited the target, which accepted), Guest (the reverse).
"""

import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from config.errors import Forbidden, ValidationFailed
from organizations.models import ROLE_PERMISSIONS, ApiClient, Organization
from organizations.selectors import (
    membership_roles_for_user,
    organization_connection_between,
    organization_for_member_by_slug,
)

REQUESTER_HEADER = "Requester-Organization-ID"
TARGET_HEADER = "Target-Organization-ID"
TENANT_HEADER = "X-Servitly-Tenant"
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Scenario(StrEnum):
    SELF = "self"
    HOST = "host"
    GUEST = "guest"


@dataclass
class Caller:
    """An authenticated principal: a user (session or token) or an API client.

    Tokens are bound to one organization (`bound_organization_id`); a session user acts in any of their
    organizations. Permissions are read from the live API client or membership, never from the token.
    """

    user: object | None = None
    api_client: ApiClient | None = None
    bound_organization_id: uuid.UUID | None = None
    # That organization, loaded by authentication with the credential, so a request need not read it again.
    bound_organization: Organization | None = field(default=None, repr=False)
    # organization id → role; loaded on first use for session users, given by authentication for user tokens
    roles: dict[uuid.UUID, str] | None = field(default=None, repr=False)

    @property
    def rate_limit_key(self) -> str:
        return f"client:{self.api_client.pk}" if self.api_client else f"user:{self.user.pk}"

    def role_in(self, organization_id: uuid.UUID) -> str | None:
        """The caller's membership role there; None for API clients, which hold permissions but no role."""
        if self.api_client is not None or self.permissions_in(organization_id) is None:
            return None
        return self.roles.get(organization_id)

    def organization(self, organization_id: uuid.UUID) -> Organization:
        """One of the caller's organizations: the token's, loaded with the credential, or read now."""
        if self.bound_organization is not None and self.bound_organization.pk == organization_id:
            return self.bound_organization
        return Organization.objects.get(pk=organization_id)

    def permissions_in(self, organization_id: uuid.UUID) -> frozenset[str] | None:
        """The caller's permission codes in that organization, or None when the caller does not belong to it."""
        if self.bound_organization_id is not None and organization_id != self.bound_organization_id:
            return None
        if self.api_client is not None:
            return frozenset(self.api_client.permissions)
        if self.roles is None:
            self.roles = membership_roles_for_user(user=self.user)
        role = self.roles.get(organization_id)
        return ROLE_PERMISSIONS[role] if role else None


def caller_for_request(request) -> Caller | None:
    if isinstance(request.auth, Caller):
        return request.auth
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        caller = getattr(request, "_session_caller", None)
        if caller is None:
            caller = request._session_caller = Caller(user=user)
        return caller
    return None


@dataclass(frozen=True)
class Access:
    requester: Organization
    target: Organization
    scenario: Scenario
    permissions: frozenset[str]


def _header_uuid(headers, name: str) -> uuid.UUID:
    raw = headers.get(name)
    if raw is None or raw.strip() == "":
        raise ValidationFailed.single(name, "Field required", "required", source="header", wire_names=True)
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValidationFailed.single(
            name, "Input should be a valid UUID", "invalid_uuid", source="header", wire_names=True
        ) from None


def access_resolve(*, caller: Caller, headers) -> Access:
    """Validates both headers and finds the scenario. The requester must be one of the caller's organizations."""
    requester_id = _header_uuid(headers, REQUESTER_HEADER)
    target_id = _header_uuid(headers, TARGET_HEADER)
    permissions = caller.permissions_in(requester_id)
    if permissions is None:
        raise Forbidden("The requester organization is not one of the caller's organizations.")
    if requester_id == target_id:
        organization = caller.organization(requester_id)
        return Access(requester=organization, target=organization, scenario=Scenario.SELF, permissions=permissions)
    connection = organization_connection_between(a=requester_id, b=target_id)
    if connection is None:
        # The same answer whether the target exists or not: ids of unrelated organizations reveal nothing.
        raise Forbidden("The requester has no connection with the target organization.")
    if connection.host_id == requester_id:
        return Access(connection.host, connection.guest, Scenario.HOST, permissions)
    return Access(connection.guest, connection.host, Scenario.GUEST, permissions)


@dataclass(frozen=True)
class Tenant:
    organization: Organization
    permissions: frozenset[str]


def tenant_resolve(*, caller: Caller, headers) -> Tenant:
    """The organization `X-Servitly-Tenant` names by its slug (seed 001), which must be one of the caller's.

    A missing header is malformed input; a slug that names no organization and one of an organization the caller
    does not belong to get the same Forbidden, so a stranger learns nothing about which slugs exist.
    """
    raw = headers.get(TENANT_HEADER)
    if raw is None or raw.strip() == "":
        raise ValidationFailed.single(TENANT_HEADER, "Header required.", "required", source="header", wire_names=True)
    slug = raw.strip().lower()
    refused = Forbidden("The tenant is not one of the caller's organizations.")
    if len(slug) > 63 or not _SLUG.fullmatch(slug):
        raise refused
    if caller.bound_organization is not None:  # a token: its one organization, already loaded
        organization = caller.bound_organization if caller.bound_organization.slug == slug else None
    else:
        organization = organization_for_member_by_slug(user=caller.user, slug=slug)
    permissions = caller.permissions_in(organization.pk) if organization is not None else None
    if permissions is None:
        raise refused
    return Tenant(organization=organization, permissions=permissions)
