"""DRF authentication: `Authorization: Bearer <jwt>` for API clients and users."""

import re
import uuid

from django.utils.crypto import constant_time_compare
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from config.api.exceptions import WWW_AUTHENTICATE
from config.db import PreparedQuery
from organizations.access import Caller
from organizations.errors import TokenInvalid
from organizations.models import ApiClient, Membership
from organizations.services import api_client_touch
from organizations.tokens import token_decode

_USER_ID = re.compile(r"[0-9]{1,18}")


class ApiClientUser:
    """Stands in for `request.user` when an API client calls: authenticated, never staff, no Django permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_client: ApiClient) -> None:
        self.api_client = api_client
        self.username = f"api-client:{api_client.client_id}"

    def __str__(self) -> str:
        return self.username

    def has_perm(self, perm, obj=None) -> bool:
        return False


# Every token-authenticated request makes one of these lookups: compiled once, not per request (config.db).
_ACTIVE_API_CLIENT = PreparedQuery(
    lambda pk: ApiClient.objects.select_related("organization").filter(pk=pk, active=True)[:1],
    fields=[ApiClient._meta.pk],
)
_ACTIVE_MEMBERSHIP = PreparedQuery(
    lambda user_id, organization_id: Membership.objects.select_related("user", "organization").filter(
        user_id=user_id, organization_id=organization_id, user__is_active=True
    )[:1],
    fields=[Membership._meta.get_field("user").target_field, Membership._meta.get_field("organization").target_field],
)


class JWTAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # not ours: session or anonymous
        if len(parts) != 2:
            raise TokenInvalid("Authorization header must be 'Bearer <token>'.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenInvalid() from None
        claims = token_decode(token)
        if claims.kind == "client":
            return self._client(claims)
        return self._user(claims)

    def _client(self, claims):
        api_client = _ACTIVE_API_CLIENT.first(_uuid_or_none(claims.subject))
        if api_client is None or api_client.organization_id != claims.organization_id:
            raise TokenInvalid("The API client of this token has been revoked.")
        api_client_touch(api_client=api_client)
        caller = Caller(
            api_client=api_client,
            bound_organization_id=claims.organization_id,
            bound_organization=api_client.organization,
        )
        return ApiClientUser(api_client), caller

    def _user(self, claims):
        membership = _ACTIVE_MEMBERSHIP.first(_int_or_none(claims.subject), claims.organization_id)
        if membership is None:
            raise TokenInvalid("The user of this token is no longer a member of its organization.")
        if not constant_time_compare(claims.session_auth_hash, membership.user.get_session_auth_hash()):
            raise TokenInvalid("The password changed since this token was issued.")
        caller = Caller(
            user=membership.user,
            bound_organization_id=claims.organization_id,
            bound_organization=membership.organization,
            roles={membership.organization_id: membership.role},
        )
        return membership.user, caller

    def authenticate_header(self, request) -> str:
        return WWW_AUTHENTICATE


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _int_or_none(value: str):
    # ASCII digits only ("²".isdigit() is true and int("²") raises), and within a bigint primary key.
    return int(value) if _USER_ID.fullmatch(value) else None
