"""Organization API (snake_case) input and output serializers."""

from rest_framework import serializers

from config.api.fields import BlankAsNullEmailField, NameField, StrictCharField, StrictIntegerField
from config.api.serializers import SharedFieldsSerializer
from organizations.models import (
    API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE,
    ApiClient,
    PermissionCode,
    Role,
    SigningKeyKind,
)
from organizations.signing import MAX_KEY_CHALLENGE_LENGTH, SIGNATURE_HEX_LENGTH


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


# Output serializers declare their fields (as a ModelSerializer would derive them from the model, so the schema is
# the same): a ModelSerializer re-derives its fields from the model on every instance, i.e. on every response.


class OrganizationOutput(SharedFieldsSerializer):  # rendered on every GET /api/v1/organization
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    parent_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class OrganizationWithScenarioOutput(OrganizationOutput):
    scenario = serializers.CharField(help_text="How the requester relates to this organization: self, host or guest.")


class ApiClientCreateInput(serializers.Serializer):
    name = NameField(max_length=100)
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=PermissionCode.choices), min_length=1, max_length=len(PermissionCode)
    )
    rate_limit_per_minute = StrictIntegerField(
        min_value=1, max_value=API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE, required=False, allow_null=True
    )


class ApiClientOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    client_id = serializers.CharField(read_only=True)
    permissions = serializers.JSONField(read_only=True)
    rate_limit_per_minute = serializers.IntegerField(
        allow_null=True, read_only=True, help_text=ApiClient._meta.get_field("rate_limit_per_minute").help_text
    )
    active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(allow_null=True, read_only=True)
    last_used_at = serializers.DateTimeField(allow_null=True, read_only=True)


class ApiClientCreatedOutput(ApiClientOutput):
    client_secret = serializers.SerializerMethodField(help_text="Shown once, now; only a hash is stored.")

    def get_client_secret(self, obj) -> str:
        return self.context["client_secret"]


class SigningKeyCreateInput(serializers.Serializer):
    label = NameField(max_length=100)
    public_key = StrictCharField(max_length=120, help_text="Compressed secp256k1 public key (hex) or an xpub.")
    challenge = StrictCharField(
        max_length=MAX_KEY_CHALLENGE_LENGTH,
        trim_whitespace=False,
        help_text="A challenge from `GET /api/v1/signing-keys/challenge`, exactly as issued (it expires in an hour).",
    )
    signature = StrictCharField(
        min_length=SIGNATURE_HEX_LENGTH,
        max_length=SIGNATURE_HEX_LENGTH,
        help_text="The key's signature over the challenge, in the signed requests' scheme (65 bytes, hex): "
        "proof that the caller holds the private key.",
    )


class SigningKeyChallengeOutput(serializers.Serializer):
    challenge = serializers.CharField(
        read_only=True, help_text="Sign exactly this text with the key to register, then send it with the key."
    )
    expires_at = serializers.DateTimeField(read_only=True)


class SigningKeyOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    label = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=SigningKeyKind.choices, read_only=True)
    public_key = serializers.CharField(read_only=True)
    compressed_public_key = serializers.CharField(read_only=True)
    active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    deactivated_at = serializers.DateTimeField(allow_null=True, read_only=True)


class MemberUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOutput(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(source="user.username")
    email = BlankAsNullEmailField(source="user.email", help_text="Null for an account without one.")
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    permissions = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_permissions(self, obj) -> list[str]:
        return sorted(obj.permissions)


class ClientConstantsOutput(serializers.Serializer):
    constants = serializers.DictField(help_text="Always empty: this network serves no client constants.")
