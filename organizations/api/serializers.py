"""Organization API (snake_case) input and output serializers."""

from rest_framework import serializers

from config.api.fields import NameField, StrictCharField, StrictIntegerField
from organizations.models import (
    API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE,
    ApiClient,
    Membership,
    Organization,
    PermissionCode,
    Role,
    SigningKey,
)


class ClientCredentialsInput(serializers.Serializer):
    client_id = StrictCharField(max_length=64)
    client_secret = StrictCharField(max_length=256, trim_whitespace=False)
    grant_type = serializers.ChoiceField(choices=["client_credentials"], required=False)


class UserCredentialsInput(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=256, trim_whitespace=False)
    organization_id = serializers.UUIDField(
        required=False, help_text="Required when the user belongs to more than one organization."
    )


class TokenOutput(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class OrganizationOutput(serializers.ModelSerializer):
    parent_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "parent_id", "created_at", "updated_at"]
        read_only_fields = fields


class OrganizationWithScenarioOutput(OrganizationOutput):
    scenario = serializers.CharField(help_text="How the requester relates to this organization: self, host or guest.")

    class Meta(OrganizationOutput.Meta):
        fields = [*OrganizationOutput.Meta.fields, "scenario"]
        read_only_fields = fields


class ApiClientCreateInput(serializers.Serializer):
    name = NameField(max_length=100)
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=PermissionCode.choices), min_length=1, max_length=len(PermissionCode)
    )
    rate_limit_per_minute = StrictIntegerField(
        min_value=1, max_value=API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE, required=False, allow_null=True
    )


class ApiClientOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiClient
        fields = [
            "id",
            "name",
            "client_id",
            "permissions",
            "rate_limit_per_minute",
            "active",
            "created_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields


class ApiClientCreatedOutput(ApiClientOutput):
    client_secret = serializers.SerializerMethodField(help_text="Shown once, now; only a hash is stored.")

    class Meta(ApiClientOutput.Meta):
        fields = [*ApiClientOutput.Meta.fields, "client_secret"]
        read_only_fields = fields

    def get_client_secret(self, obj) -> str:
        return self.context["client_secret"]


class SigningKeyCreateInput(serializers.Serializer):
    label = NameField(max_length=100)
    public_key = StrictCharField(max_length=120, help_text="Compressed secp256k1 public key (hex) or an xpub.")


class SigningKeyOutput(serializers.ModelSerializer):
    class Meta:
        model = SigningKey
        fields = [
            "id",
            "label",
            "kind",
            "public_key",
            "compressed_public_key",
            "active",
            "created_at",
            "deactivated_at",
        ]
        read_only_fields = fields


class MemberCreateInput(serializers.Serializer):
    identifier = StrictCharField(max_length=254, help_text="Username or email of an existing user.")
    role = serializers.ChoiceField(choices=Role.choices)


class MemberUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "role", "permissions", "created_at"]
        read_only_fields = fields

    def get_permissions(self, obj) -> list[str]:
        return sorted(obj.permissions)
