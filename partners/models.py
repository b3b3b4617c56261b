"""The network: partner configs (staff), network partners, network clients and their connections (DESIGN.md §4).

An enterprise takes part in the network through two records: its **network client** (`NetworkClient`, the account
its allocations use; every enterprise that connects or registers as a partner has one) and, when staff have set up a
**partner config** for it, its **partner** record. A **connection** links a client to a partner; its connection key
holds the client's credentials at the partner and is stored encrypted.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from config.crypto import EncryptedJSONField, EncryptedTextField
from organizations.models import Organization, SigningKey, TrustOrg

CURRENCY_CODE_PATTERN = r"^[a-z0-9]+(:[a-z0-9]+)*$"  # `btc`, `tbtc`, `hteth`, `eth:usdc`; lowercase, `:` between parts
MAX_CURRENCY_DECIMALS = 36


class Currency(models.Model):
    """An asset amounts are counted in. `decimals` says how many base units make one unit (8: 1 BTC = 10^8 sat).

    Amounts themselves are integer strings of base units (`partners.amounts`). A testnet variant may name its
    mainnet counterpart (`tbtc` → `btc`).
    """

    code = models.CharField(max_length=40, unique=True, help_text="Lowercase, e.g. btc, tbtc, hteth.")
    name = models.CharField(max_length=100)
    decimals = models.PositiveSmallIntegerField(help_text="Base-unit decimals: 8 for btc, 18 for eth, 6 for usdc.")
    active = models.BooleanField(default=True)
    testnet = models.BooleanField(default=False)
    mainnet = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="testnets",
        help_text="For a testnet variant: the mainnet currency it stands for.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "currencies"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=CURRENCY_CODE_PATTERN), name="currency_code_lowercase"),
            models.CheckConstraint(condition=~Q(name=""), name="currency_name_not_blank"),
            models.CheckConstraint(
                condition=Q(decimals__gte=0, decimals__lte=MAX_CURRENCY_DECIMALS), name="currency_decimals_range"
            ),
            models.CheckConstraint(
                condition=Q(mainnet__isnull=True) | Q(testnet=True), name="currency_mainnet_of_testnet"
            ),
            models.CheckConstraint(condition=~Q(mainnet=F("id")), name="currency_not_own_mainnet"),
        ]

    def __str__(self) -> str:
        return self.code


class ConnectionKeySchema(models.TextChoices):
    """Which credentials a partner asks its clients for (the reference's `PartnerConnectionKeySchema`)."""

    TOKEN = "token", "Token"
    TOKEN_AND_SIGNATURE = "tokenAndSignature", "Token and signature"
    API_KEY_AND_SECRET = "apiKeyAndSecret", "API key and secret"
    CLEARLOOP = "clearloop", "ClearLoop"


# The fields of each connection key schema besides `schema` (all required, non-empty strings), as the reference has
# them. Every one is a credential: the whole key is stored encrypted and never returned.
CONNECTION_KEY_FIELDS: dict[str, tuple[str, ...]] = {
    ConnectionKeySchema.TOKEN: ("connectionToken",),
    ConnectionKeySchema.TOKEN_AND_SIGNATURE: ("connectionToken", "signature"),
    ConnectionKeySchema.API_KEY_AND_SECRET: ("apiKey", "apiSecret"),
    ConnectionKeySchema.CLEARLOOP: ("apiKey", "apiSecret", "clientAccountId", "companyRegistrationNumber"),
}


# PartnerConfig's history (django-simple-history), kept by name so that a form saving the config with its currencies
# records one row once both are saved (partners.admin.PartnerConfigForm), not one per signal.
PARTNER_CONFIG_HISTORY = HistoricalRecords(m2m_fields=["supported_currencies"])


class PartnerConfig(models.Model):
    """What staff set up before an enterprise may register as a network partner. Every change is kept (history)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enterprise = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="partner_config")
    trust_org = models.CharField(max_length=64, choices=TrustOrg.choices)
    settlement_transaction_route_id = models.CharField(max_length=255, blank=True)
    public_key = models.TextField(
        blank=True, help_text="The partner's RSA public key (PEM), for clients to encrypt connection keys. Optional."
    )
    supported_currencies = models.ManyToManyField("partners.Currency", blank=True, related_name="partner_configs")
    disputes_enabled = models.BooleanField(default=False, help_text="Settlements wait for the client dispute window.")
    async_allocations_enabled = models.BooleanField(
        default=False, help_text="Allocations stay reserved until the partner clears or releases them."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = PARTNER_CONFIG_HISTORY

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(trust_org__in=TrustOrg.values), name="partner_config_trust_org_valid"),
        ]

    def __str__(self) -> str:
        return f"Partner config of {self.enterprise}"


class NetworkClient(models.Model):
    """An enterprise's account in the network: one per enterprise, with the trust org of its network license."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enterprise = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="network_client")
    trust_org = models.CharField(max_length=64, choices=TrustOrg.choices)
    # The reference's `walletId` ("the Go Account ID"): here the id of the account the enterprise's funds live in.
    wallet_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(trust_org__in=TrustOrg.values), name="network_client_trust_org_valid"),
        ]

    def __str__(self) -> str:
        return f"Network client of {self.enterprise}"


class Partner(models.Model):
    """An enterprise registered as a network partner (seed 000). trustOrg, route and public key come from its config."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enterprise = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="network_partner")
    config = models.OneToOneField(PartnerConfig, on_delete=models.PROTECT, related_name="partner")
    client = models.OneToOneField(NetworkClient, on_delete=models.PROTECT, related_name="partner")
    name = models.CharField(max_length=200)
    broker = models.BooleanField()
    institution_id = models.UUIDField(null=True, blank=True)
    institution_identifier = models.CharField(max_length=255)
    connection_key_schema = models.CharField(max_length=32, choices=ConnectionKeySchema.choices)
    client_dispute_window_minutes = models.PositiveIntegerField(null=True, blank=True)
    top_up_window_minutes = models.PositiveIntegerField(null=True, blank=True)
    allocation_policies_enabled = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    stable = models.BooleanField(default=False, help_text="Staff mark a partner stable once it has proven itself.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="partner_name_not_blank"),
            models.CheckConstraint(condition=~Q(institution_identifier=""), name="partner_institution_identifier"),
            models.CheckConstraint(
                condition=Q(connection_key_schema__in=ConnectionKeySchema.values), name="partner_key_schema_valid"
            ),
        ]
        indexes = [models.Index(fields=["name", "id"], name="partner_directory_order")]

    def __str__(self) -> str:
        return self.name


class Connection(models.Model):
    """A client's signed link to a partner. The connection key is a credential: encrypted at rest, never returned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(NetworkClient, on_delete=models.PROTECT, related_name="connections")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="connections")
    name = models.CharField(max_length=200)
    connection_key_schema = models.CharField(max_length=32, choices=ConnectionKeySchema.choices)
    connection_key = EncryptedJSONField()  # the client's credentials at the partner: encrypted at rest
    # The signed request that created the connection, kept as proof: the payload (encrypted: it holds the connection
    # key), its signature and the key that made it.
    nonce = models.CharField(max_length=255)
    payload = EncryptedTextField()
    signature = models.CharField(max_length=130)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    # The account the funds allocated through this connection are held in (the ledger's held account owner).
    network_account_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    active = models.BooleanField(default=True)
    initialized = models.BooleanField(default=False)
    # The partner's own ids for the connection and the client, set when it initializes the connection ("" before).
    partners_connection_id = models.CharField(max_length=255, blank=True, default="")
    partners_client_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="connection_name_not_blank"),
            models.CheckConstraint(
                condition=Q(connection_key_schema__in=ConnectionKeySchema.values), name="connection_key_schema_valid"
            ),
            models.UniqueConstraint(fields=["client", "nonce"], name="connection_nonce_unique_per_client"),
            # A partner never sees one connection request twice, whoever presents it (defence in depth beside the
            # one-organization-per-key rule: the request names no client).
            models.UniqueConstraint(fields=["partner", "nonce"], name="connection_nonce_unique_per_partner"),
        ]
        indexes = [models.Index(fields=["client", "created_at", "id"], name="connection_client_order")]

    def __str__(self) -> str:
        return f"{self.name} ({self.client.enterprise} → {self.partner})"
