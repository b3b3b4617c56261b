import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from config.crypto import EncryptedTextField


class PermissionCode(models.TextChoices):
    READ_PARTNER = "READ_PARTNER", "Read partners"
    WRITE_PARTNER = "WRITE_PARTNER", "Create and change partners"
    DELETE_PARTNER = "DELETE_PARTNER", "Delete partners"
    READ_INVITATION = "READ_INVITATION", "Read invitations"
    WRITE_INVITATION = "WRITE_INVITATION", "Send invitations"
    READ_NETWORK = "READ_NETWORK", "Read network data"
    WRITE_NETWORK = "WRITE_NETWORK", "Connect, allocate, deallocate, settle, dispute"
    MANAGE_ORGANIZATION = "MANAGE_ORGANIZATION", "Manage members, API clients and signing keys"


ALL_PERMISSIONS = frozenset(PermissionCode.values)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: ALL_PERMISSIONS,
    Role.ADMIN: ALL_PERMISSIONS,
    Role.OPERATOR: ALL_PERMISSIONS - {PermissionCode.MANAGE_ORGANIZATION},
    Role.VIEWER: frozenset(code for code in ALL_PERMISSIONS if code.startswith("READ_")),
}


class Organization(models.Model):
    """An enterprise. Optional parent for sub-organizations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    # The tenant name of the seed-001 partner API (`X-Servitly-Tenant: acme`): lowercase letters, digits, hyphens.
    slug = models.SlugField(max_length=63, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="organization_not_own_parent"),
            models.CheckConstraint(condition=~Q(name=""), name="organization_name_not_blank"),
            models.CheckConstraint(
                condition=Q(slug__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"), name="organization_slug_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_organization"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS[self.role]


class LicenseProduct(models.TextChoices):
    NETWORK = "network", "Network"


class TrustOrg(models.TextChoices):
    """The trust organization that holds an enterprise's network assets (the network reference's `TrustOrg`).

    Each label is its value: without one Django derives it from the member's name ("Bitgo Trust"), and the admin's
    forms and filters then spelt the brand otherwise than the pages and the API."""

    BITGO_TRUST = "BitGo Trust", "BitGo Trust"
    BITGO_NEW_YORK = "BitGo New York", "BitGo New York"
    BITGO_GERMANY = "BitGo Germany", "BitGo Germany"
    BITGO_SWITZERLAND = "BitGo Switzerland", "BitGo Switzerland"
    BITGO_EUROPE_APS = "BitGo Europe ApS", "BitGo Europe ApS"
    FRANKFURT_DE_TRUST = "Frankfurt DE Trust", "Frankfurt DE Trust"
    BITGO_SINGAPORE = "BitGo Singapore", "BitGo Singapore"
    BITGO_KOREA = "BitGo Korea", "BitGo Korea"
    BITGO_CUSTODY_MENA_FZE = "BitGo Custody MENA FZE", "BitGo Custody MENA FZE"
    BITGO_INDIA = "BitGo India", "BitGo India"
    BITGO_SISTER_TRUST_1 = "BitGo Sister Trust 1", "BitGo Sister Trust 1"


class License(models.Model):
    """A product license granted by staff. Valid in [valid_from, valid_until); open-ended when valid_until is null."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="licenses")
    product = models.CharField(max_length=32, choices=LicenseProduct.choices, default=LicenseProduct.NETWORK)
    # Where the licensed enterprise's network assets are held: its network client's trustOrg.
    trust_org = models.CharField(max_length=64, choices=TrustOrg.choices, default=TrustOrg.BITGO_TRUST)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="license_valid_range",
            ),
            models.CheckConstraint(condition=Q(product__in=LicenseProduct.values), name="license_product_valid"),
            models.CheckConstraint(condition=Q(trust_org__in=TrustOrg.values), name="license_trust_org_valid"),
        ]
        indexes = [models.Index(fields=["organization", "product"], name="license_org_product_idx")]

    def __str__(self) -> str:
        return f"{self.get_product_display()} license for {self.organization}"


API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE = 100_000


class ApiClient(models.Model):
    """Machine credentials of an organization. The secret is shown once and stored only as a password hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_clients")
    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(max_length=256, editable=False)
    permissions = models.JSONField(default=list)
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the installation's per-client default when set."
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(active=True, revoked_at__isnull=True) | Q(active=False, revoked_at__isnull=False),
                name="api_client_revocation_consistent",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="api_client_name_not_blank"),
            models.CheckConstraint(
                condition=Q(rate_limit_per_minute__isnull=True)
                | Q(rate_limit_per_minute__gte=1, rate_limit_per_minute__lte=API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE),
                name="api_client_rate_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class SigningKeyKind(models.TextChoices):
    PUBLIC_KEY = "public_key", "Compressed public key"
    XPUB = "xpub", "Extended public key (xpub)"


class SigningKey(models.Model):
    """A secp256k1 key whose signatures the organization's signed requests must carry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="signing_keys")
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=SigningKeyKind.choices)
    # As registered (compressed public key hex or xpub), and the compressed public key hex signatures verify against.
    public_key = models.CharField(max_length=120)
    compressed_public_key = models.CharField(max_length=66, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            # One organization at most per public key, over every key ever registered (deactivated ones too): a
            # signature then names its organization, and a key's past signatures never become another's.
            models.UniqueConstraint(fields=["compressed_public_key"], name="signing_key_public_key_unique"),
            models.CheckConstraint(condition=Q(kind__in=SigningKeyKind.values), name="signing_key_kind_valid"),
            models.CheckConstraint(condition=~Q(label=""), name="signing_key_label_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.compressed_public_key[:10]}…)"


CUSTODIAL_KEY_LABEL = "Custodial key"


class CustodialSigningKey(models.Model):
    """A secp256k1 key the server holds for the organization (at most one active), so people can sign from web pages.

    Its public key is registered as `signing_key`, so signatures made with it verify like any other. The private
    key is encrypted at rest (config.crypto); disabling erases it and deactivates the signing key for good (enabling
    again makes a new key).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="custodial_signing_keys")
    signing_key = models.OneToOneField(SigningKey, on_delete=models.PROTECT, related_name="custodial")
    private_key = EncryptedTextField(null=True)  # hex of the 32-byte secret; erased (NULL) once disabled
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(active=True), name="custodial_key_one_active_per_organization"
            ),
            models.CheckConstraint(
                condition=Q(active=True, disabled_at__isnull=True, private_key__isnull=False)
                | Q(active=False, disabled_at__isnull=False, private_key__isnull=True),
                name="custodial_key_state_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"Custodial key of {self.organization_id} ({'active' if self.active else 'disabled'})"


class UsedNonce(models.Model):
    """Each signed request's nonce, once per organization: the unique constraint is the replay guard."""

    # Indexed by the unique constraint (organization, nonce), which serves a look-up by organization alone.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="used_nonces", db_index=False)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "nonce"], name="used_nonce_unique_per_organization"),
        ]

    def __str__(self) -> str:
        return self.nonce


class OrganizationConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"


class OrganizationConnection(models.Model):
    """Host invited guest and the guest accepted. Drives the Host/Guest access scenarios."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    host = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="guest_connections")
    guest = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="host_connections")
    status = models.CharField(
        max_length=16, choices=OrganizationConnectionStatus.choices, default=OrganizationConnectionStatus.CONNECTED
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "guest"], name="organization_connection_unique_pair"),
            models.CheckConstraint(condition=~Q(host=F("guest")), name="organization_connection_not_self"),
            models.CheckConstraint(
                condition=Q(status__in=OrganizationConnectionStatus.values), name="organization_connection_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host} → {self.guest} ({self.status})"
