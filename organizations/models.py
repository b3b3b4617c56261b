import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.timezone import now
from django_countries.fields import CountryField

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
    """The trust organization that holds an enterprise's network assets (the network reference's `TrustOrg`)."""

    BITGO_TRUST = "BitGo Trust"
    BITGO_NEW_YORK = "BitGo New York"
    BITGO_GERMANY = "BitGo Germany"
    BITGO_SWITZERLAND = "BitGo Switzerland"
    BITGO_EUROPE_APS = "BitGo Europe ApS"
    FRANKFURT_DE_TRUST = "Frankfurt DE Trust"
    BITGO_SINGAPORE = "BitGo Singapore"
    BITGO_KOREA = "BitGo Korea"
    BITGO_CUSTODY_MENA_FZE = "BitGo Custody MENA FZE"
    BITGO_INDIA = "BitGo India"
    BITGO_SISTER_TRUST_1 = "BitGo Sister Trust 1"


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
            models.UniqueConstraint(
                fields=["organization", "compressed_public_key"], name="signing_key_unique_per_organization"
            ),
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

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="used_nonces")
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


# --- organization partners and invitations (DESIGN.md §5) -----------------------------------------------------------

SALES_AMOUNT_MAX = 2_147_483_647


class PartnerType(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    SUPPLIER = "supplier", "Supplier"


class PartnerInvitationStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACCEPTED = "accepted", "Accepted"


class OrganizationPartner(models.Model):
    """A business partner an organization keeps a record of (seeds 002/003, with the fields of seed 001).

    One table for both dialects: the fields one dialect requires and the other lacks (seed 001 has no email, sales
    amount, address...) are blank/null here and required at that dialect's edge. Text fields are "" when absent.
    `country_code` is ISO 3166-1 alpha-2 (django-countries validates against the real list), `timezone` an IANA
    name, `properties` a string → string map; `code` is unique within the organization when given (not "").
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="partners")
    # Seed 001's `organization {id}`: the organization the partner sits under, the owner or one of its
    # sub-organizations; null means the owner itself.
    parent_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    company_name = models.CharField(max_length=100)
    sales_amount = models.BigIntegerField(null=True, blank=True)
    partner_type = models.CharField(max_length=16, choices=PartnerType.choices, blank=True, default="")
    email = models.EmailField(max_length=100, blank=True, default="")
    frequency = models.CharField(max_length=30, blank=True, default="")
    payment_terms = models.CharField(max_length=50, blank=True, default="")
    address = models.CharField(max_length=500, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=30, blank=True, default="")
    country_code = CountryField(blank=True, default="")
    company_registration_number = models.CharField(max_length=255, blank=True, default="")
    code = models.CharField(max_length=100, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    customer_count = models.BigIntegerField(null=True, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    invitation_status = models.CharField(  # "" (the API's null): never invited
        max_length=16, choices=PartnerInvitationStatus.choices, blank=True, default=""
    )
    guest_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)  # `timezone` is a field here
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], condition=~Q(code=""), name="organization_partner_code_unique"
            ),
            models.CheckConstraint(condition=~Q(company_name=""), name="organization_partner_name_not_blank"),
            models.CheckConstraint(
                condition=Q(sales_amount__isnull=True) | Q(sales_amount__gte=0, sales_amount__lte=SALES_AMOUNT_MAX),
                name="organization_partner_sales_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(partner_type__in=["", *PartnerType.values]), name="organization_partner_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(customer_count__isnull=True) | Q(customer_count__gte=0),
                name="organization_partner_customer_count_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(invitation_status__in=["", *PartnerInvitationStatus.values]),
                name="organization_partner_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(guest_organization__isnull=True) | Q(invitation_status=PartnerInvitationStatus.ACCEPTED),
                name="organization_partner_guest_only_when_accepted",
            ),
        ]
        indexes = [
            # The list's orderings (ties by id) and the scope; search is a scan of one organization's rows.
            models.Index(fields=["organization", "created_at", "id"], name="org_partner_created"),
            models.Index(fields=["organization", "company_name", "id"], name="org_partner_company_name"),
            models.Index(fields=["organization", "sales_amount", "id"], name="org_partner_sales_amount"),
            models.Index(fields=["organization", "partner_type", "id"], name="org_partner_partner_type"),
            models.Index(fields=["organization", "email", "id"], name="org_partner_email"),
            models.Index(fields=["organization", "frequency", "id"], name="org_partner_frequency"),
            models.Index(fields=["organization", "payment_terms", "id"], name="org_partner_payment_terms"),
        ]

    def __str__(self) -> str:
        return self.company_name


class InvitationKind(models.TextChoices):
    GUEST = "guest", "Guest organization"  # join the network as the host's connected guest organization
    MEMBER = "member", "Member"  # join the organization as a member, with `role`


class InvitationStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """An invitation by email, from an organization: to become its connected guest organization (GUEST, optionally
    for one of its partner records) or one of its members (MEMBER, with a role). The token in the email's link is
    stored hashed (sha256): the database alone cannot accept an invitation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=InvitationKind.choices)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, default="")  # MEMBER only
    partner = models.ForeignKey(
        OrganizationPartner, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    # GUEST: the sub-organization of the host that invites (the API's `parent_organization_id`), else the host.
    parent_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.SENT)
    expired_at = models.DateTimeField()
    archived = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_invitation_sent_at = models.DateTimeField(null=True, blank=True)
    last_invitation_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvitationKind.values), name="invitation_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.CheckConstraint(
                condition=(Q(kind=InvitationKind.MEMBER) & Q(role__in=Role.values))
                | (Q(kind=InvitationKind.GUEST) & Q(role="")),
                name="invitation_role_for_members_only",
            ),
            models.CheckConstraint(
                condition=Q(status=InvitationStatus.ACCEPTED, accepted_at__isnull=False)
                | (~Q(status=InvitationStatus.ACCEPTED) & Q(accepted_at__isnull=True)),
                name="invitation_accepted_at_when_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "created_at", "id"], name="invitation_org_created"),
            models.Index(fields=["status", "expired_at"], name="invitation_status_expiry"),  # the expiry sweep
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invitation to {self.email}"


class InvitationEmail(models.Model):
    """One request to send an invitation's email (the first send, each resend). The Celery task that sends it
    claims the row first (`claimed_at`, committed) and records `sent_at` after the SMTP server took the message:
    a redelivered task finds it claimed or sent and does not send again (at most once per request)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="emails")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # The accept link's token for this email, encrypted at rest (config.crypto) and erased once the email is sent or
    # superseded by a newer one: the task needs it to write the link, the invitation keeps only its hash.
    token = EncryptedTextField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="invitation_email_sent_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"email {self.id} of {self.invitation_id}"
