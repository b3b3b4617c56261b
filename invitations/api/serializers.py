"""Organization API (snake_case) serializers of invitations and organization connections."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from config.api.fields import (
    QueryBooleanField,
    QueryListField,
    QueryTextField,
    StrictBooleanField,
    StrictEmailField,
    StrictUUIDField,
)
from invitations.models import InvitationKind, InvitationStatus
from invitations.selectors import INVITATION_ORDERINGS, effective_status
from organizations.models import OrganizationConnectionStatus, Role


class GuestInvitationCreateInput(serializers.Serializer):
    email = StrictEmailField(max_length=254, help_text="Where the invitation is sent.")
    expired_at = serializers.DateTimeField(help_text="When the link stops working: in the future, at most a year.")
    parent_organization_id = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="The organization that invites: this one (default) or one of its sub-organizations.",
    )


class MemberInvitationCreateInput(serializers.Serializer):
    email = StrictEmailField(max_length=254, help_text="Where the invitation is sent (with or without an account).")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Only an owner may invite to the owner role.")
    expired_at = serializers.DateTimeField(required=False, help_text="Default: in 7 days; at most a year.")


class PartnerInviteInput(serializers.Serializer):
    expired_at = serializers.DateTimeField(required=False, help_text="Default: in 7 days; at most a year.")


class _Given:
    """A single-valued query parameter given empty (`?order_by=`) is refused, not read as absent (DRF reads an
    empty HTML form input as absent)."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class _Text(_Given, QueryTextField):
    pass


class _Boolean(_Given, QueryBooleanField):
    pass


class _Choice(_Given, serializers.ChoiceField):
    pass


class InvitationListQuery(serializers.Serializer):
    statuses = QueryListField(child=serializers.ChoiceField(choices=InvitationStatus.choices))
    search_text = _Text(required=False, max_length=254, help_text="Part of the email address.")
    expired = _Boolean(required=False, help_text="true: expiry passed; false: not yet.")
    archived = _Boolean(required=False)
    order_by = _Choice(choices=INVITATION_ORDERINGS, default="created_at")
    order_dir = _Choice(choices=("asc", "desc"), default="desc", help_text="Ties by id.")


@extend_schema_field(serializers.ChoiceField(choices=InvitationStatus.choices))
class InvitationStatusField(serializers.Field):
    """sent, accepted or expired: a sent invitation past its expiry reads as expired before the sweep marks it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return str(effective_status(value))


class GuestInvitationOutput(serializers.Serializer):
    """Never the token or its hash: the link exists only in the email."""

    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=InvitationKind.choices, read_only=True)
    email = serializers.EmailField(read_only=True)
    status = InvitationStatusField()
    expired_at = serializers.DateTimeField(read_only=True)
    archived = serializers.BooleanField(read_only=True)
    parent_organization_id = serializers.UUIDField(read_only=True, allow_null=True)
    partner_id = serializers.UUIDField(read_only=True, allow_null=True)
    first_invitation_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_invitation_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    accepted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class MemberInvitationOutput(GuestInvitationOutput):
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)


class ConnectionListQuery(serializers.Serializer):
    archived = _Boolean(required=False)
    statuses = QueryListField(child=serializers.ChoiceField(choices=OrganizationConnectionStatus.choices))


class GuestConnectionOutput(serializers.Serializer):
    organization_id = serializers.UUIDField(source="guest_id", read_only=True, help_text="The guest organization.")
    organization_name = serializers.CharField(source="guest.name", read_only=True)
    status = serializers.ChoiceField(choices=OrganizationConnectionStatus.choices, read_only=True)
    archived = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class HostConnectionOutput(GuestConnectionOutput):
    organization_id = serializers.UUIDField(source="host_id", read_only=True, help_text="The host organization.")
    organization_name = serializers.CharField(source="host.name", read_only=True)


class GuestConnectionUpdateInput(serializers.Serializer):
    archived = StrictBooleanField(help_text="An archived connection gives no Host/Guest access.")
