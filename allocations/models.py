"""The ledger: every money movement is one balanced transaction of immutable entries (DESIGN.md §4).

Accounts are per (owner, kind, currency). Their stored `balance` is the sum of their entries, kept by
`allocations.ledger.ledger_post` in the same transaction, so reading a balance costs the same at any history size;
`manage.py ledger_verify` recomputes them all. PostgreSQL enforces the rules itself (migration 0002): balances of
non-external accounts never go below zero (CHECK), entries and transactions are never updated or deleted, and every
transaction sums to zero per currency (a deferred constraint trigger, checked at commit).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partners.amounts import AmountField

# The owner of the external accounts: the world outside the network, where deposits come from and withdrawals go.
EXTERNAL_OWNER = uuid.UUID("00000000-0000-0000-0000-000000000000")


class AccountKind(models.TextChoices):
    AVAILABLE = "available", "Available"  # a client's free funds; owner: its network client
    RESERVED = "reserved", "Reserved"  # locked for a reserved allocation, not yet the partner's; owner: a connection
    HELD = "held", "Held"  # allocated through a connection: the partner's collateral; owner: the connection
    PARTNER = "partner", "Partner"  # a partner's own funds (settlements); owner: the partner
    EXTERNAL = "external", "External"  # outside the network; may go negative; owner: EXTERNAL_OWNER


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    ALLOCATION = "allocation", "Allocation"
    DEALLOCATION = "deallocation", "Deallocation"
    RESERVATION = "reservation", "Reservation"
    CLEARING = "clearing", "Clearing"
    RELEASE = "release", "Release"
    SETTLEMENT = "settlement", "Settlement"


class LedgerAccount(models.Model):
    id = models.BigAutoField(primary_key=True)  # the lock order: accounts are always locked by ascending id
    owner_id = models.UUIDField()
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.ForeignKey("partners.Currency", on_delete=models.PROTECT, related_name="+")
    balance = AmountField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_id", "kind", "currency"], name="ledger_account_unique"),
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.EXTERNAL) | Q(balance__gte=0), name="ledger_account_not_overdrawn"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner_id}:{self.currency_id}"


class LedgerTransaction(models.Model):
    """One balanced posting. Immutable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    memo = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TransactionKind.values), name="ledger_transaction_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class LedgerEntry(models.Model):
    """A signed change of one account's balance within a transaction. Immutable; never zero."""

    id = models.BigAutoField(primary_key=True)
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = AmountField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero")]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account")]

    def __str__(self) -> str:
        return f"{self.amount} → {self.account}"
