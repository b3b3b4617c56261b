"""Settlements: a partner settles its clients' trading gains and losses on the ledger, and clients dispute them
(DESIGN.md §4; the reference's settlement, settlement transfer and dispute operations).

    Settlement        one signed request of the partner (`externalId` idempotent), v1 (completed at once) or v2
                      (pending until its windows pass, then finalized by a Celery worker, once)
    SettlementTransfer what it moves for one connection (and counterparty connection) in one currency; `quantity` is
                      signed from the client's side: positive, the client gains; negative, it loses
    Dispute           a client's signed objection to a settlement's transfers on one of its connections
    DisputeClosure    how a dispute ended: by the client (its dispute was wrong: the original transfers stand) or by
                      staff (with adjusted amounts); the transfers it makes wait for the partner's next v2 settlement

A settlement's completion is one ledger posting (`posting`, unique: a settlement posts at most once), made in the
same transaction that changes the settlement's and its transfers' statuses.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from allocations.models import LedgerTransaction
from partners.amounts import AmountField


class SettlementVersion(models.IntegerChoices):
    V1 = 1, "v1 (applied at once)"
    V2 = 2, "v2 (after the dispute and top-up windows)"


class SettlementStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"


class TransferStatus(models.TextChoices):
    # The reference's statuses; the on-chain ones are never used here (every settlement is off-chain).
    PENDING = "pending", "Pending"
    PENDING_ONCHAIN = "pending_onchain", "Pending on-chain"
    ONCHAIN_INITIATED = "onchain_initiated", "On-chain initiated"
    ONCHAIN_FAILED = "onchain_failed", "On-chain failed"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"
    DISPUTED = "disputed", "Disputed"
    PENDING_SETTLEMENT_ASSIGNMENT = "pending_settlement_assignment", "Waiting for the next settlement"


class ClosedBy(models.TextChoices):
    CLIENT = "client", "Client"
    ADMIN = "admin", "Staff"


class ClosureStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Settlement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="settlements")
    external_id = models.CharField(max_length=255)
    version = models.PositiveSmallIntegerField(choices=SettlementVersion.choices)
    status = models.CharField(max_length=16, choices=SettlementStatus.choices)
    reason = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    initiated_by = models.CharField(max_length=255)
    cutoff_at = models.DateTimeField(null=True, blank=True)  # v2: the newest trade settled
    # v2: clients may dispute until `dispute_deadline`; the settlement finalizes once `finalize_after` has passed.
    dispute_deadline = models.DateTimeField(null=True, blank=True)
    finalize_after = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    disputed = models.BooleanField(default=False)  # a dispute was ever raised on it
    nonce = models.CharField(max_length=255)
    payload = models.TextField()
    signature = models.CharField(max_length=1000)
    request_hash = models.CharField(max_length=64)
    posting = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="settlement"
    )
    # When the finalization sweep last enqueued it (settlements.services.finalization.settlements_due_claim).
    finalization_enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "external_id"], name="settlement_external_id_unique"),
            models.CheckConstraint(condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"),
            models.CheckConstraint(condition=Q(version__in=SettlementVersion.values), name="settlement_version_valid"),
            # A pending settlement has moved nothing; a final one has its time.
            models.CheckConstraint(
                condition=~Q(status=SettlementStatus.PENDING) | Q(posting__isnull=True, finalized_at__isnull=True),
                name="settlement_pending_unposted",
            ),
            models.CheckConstraint(
                condition=Q(status=SettlementStatus.PENDING) | Q(finalized_at__isnull=False),
                name="settlement_final_has_time",
            ),
            models.CheckConstraint(
                condition=Q(version=SettlementVersion.V1)
                | Q(cutoff_at__isnull=False, dispute_deadline__isnull=False, finalize_after__isnull=False),
                name="settlement_v2_windows",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "created_at", "id"], name="settlement_partner_created"),
            # The finalization sweep: pending v2 settlements by due time.
            models.Index(
                fields=["finalize_after"], condition=Q(status=SettlementStatus.PENDING), name="settlement_due"
            ),
        ]

    def __str__(self) -> str:
        return f"settlement {self.external_id} ({self.status})"


class DisputeClosure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    closed_by = models.CharField(max_length=8, choices=ClosedBy.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    user_label = models.CharField(max_length=255)  # who closed it, as the API shows it (`userId`)
    notes = models.TextField()
    status = models.CharField(max_length=16, choices=ClosureStatus.choices, default=ClosureStatus.APPROVED)
    reviewed_by = models.CharField(max_length=255, blank=True, default="")
    review_notes = models.TextField(blank=True, default="")
    adjusted_transfers = models.JSONField(default=dict)  # currency code → signed base-unit string (client's side)
    payload = models.TextField(blank=True, default="")
    signature = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"closure {self.id} by {self.closed_by}"


class Dispute(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="disputes")
    connection = models.ForeignKey("partners.Connection", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")  # denormalised
    client = models.ForeignKey("partners.NetworkClient", on_delete=models.PROTECT, related_name="+")  # denormalised
    user_label = models.CharField(max_length=255)  # who raised it (`userId`)
    reason = models.TextField(blank=True, default="")
    expected_transfers = models.JSONField(default=dict)  # currency code → signed base-unit string (client's side)
    retracted = models.BooleanField(default=False)
    retracted_by = models.CharField(max_length=255, blank=True, default="")
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_reason = models.TextField(blank=True, default="")
    closure = models.OneToOneField(
        DisputeClosure, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )
    # The settlement whose finalization takes in the closure's transfers (the partner's next v2 settlement).
    settled_in_settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="settling_disputes"
    )
    nonce = models.CharField(max_length=255)
    payload = models.TextField()
    signature = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One open dispute per settlement and connection (retracted ones count: they can be un-retracted).
            models.UniqueConstraint(
                fields=["settlement", "connection"], condition=Q(closure__isnull=True), name="dispute_open_unique"
            ),
            models.CheckConstraint(
                condition=Q(settled_in_settlement__isnull=True) | Q(closure__isnull=False),
                name="dispute_settled_only_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "created_at", "id"], name="dispute_partner_created"),
            models.Index(fields=["client", "created_at", "id"], name="dispute_client_created"),
        ]

    def __str__(self) -> str:
        return f"dispute {self.id}"

    @property
    def is_open(self) -> bool:
        return self.closure_id is None


class SettlementTransfer(models.Model):
    """One movement of a settlement: between the partner and a client's connection (`counterparty_connection`
    None), or between two connections to the same partner. `quantity` is the connection's side: positive, the
    connection gains (from the partner, or from the counterparty connection); negative, it loses. A transfer made by
    a dispute closure has `dispute_closure` and no settlement until a settlement takes it in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    settlement = models.ForeignKey(
        Settlement, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")  # denormalised
    connection = models.ForeignKey("partners.Connection", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("partners.NetworkClient", on_delete=models.PROTECT, related_name="+")  # denormalised
    counterparty_connection = models.ForeignKey(
        "partners.Connection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counterparty_client = models.ForeignKey(
        "partners.NetworkClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.ForeignKey("partners.Currency", on_delete=models.PROTECT, related_name="+")
    quantity = AmountField()
    status = models.CharField(max_length=32, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    reason = models.TextField(blank=True, default="")  # why it failed or was held back (pages; not on the wire)
    dispute_closure = models.ForeignKey(
        DisputeClosure, null=True, blank=True, on_delete=models.PROTECT, related_name="adjusted_settlement_transfers"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="settlement_transfer_not_zero"),
            models.CheckConstraint(condition=Q(status__in=TransferStatus.values), name="settlement_transfer_status"),
            models.CheckConstraint(
                condition=Q(settlement__isnull=False) | Q(dispute_closure__isnull=False),
                name="settlement_transfer_has_origin",
            ),
            models.CheckConstraint(
                condition=~Q(status=TransferStatus.PENDING_SETTLEMENT_ASSIGNMENT) | Q(settlement__isnull=True),
                name="settlement_transfer_unassigned",
            ),
            models.CheckConstraint(
                condition=Q(counterparty_connection__isnull=True) | ~Q(counterparty_connection=models.F("connection")),
                name="settlement_transfer_two_parties",
            ),
        ]
        indexes = [
            models.Index(fields=["settlement", "created_at", "id"], name="settlement_transfer_settlement"),
            models.Index(fields=["client", "updated_at", "id"], name="settlement_transfer_client"),
            models.Index(fields=["counterparty_client", "updated_at", "id"], name="settlement_transfer_cp_client"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.currency_id} → {self.connection_id} ({self.status})"


class SettlementNotice(models.Model):
    """The email telling one client's owners and admins about a new settlement: sent at most once (claimed before
    the SMTP conversation, as invitation emails are; settlements.delivery)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="notices")
    client = models.ForeignKey("partners.NetworkClient", on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["settlement", "client"], name="settlement_notice_unique"),
        ]

    def __str__(self) -> str:
        return f"notice of {self.settlement_id} to {self.client_id}"
