"""The ledger: every money movement is one balanced transaction of immutable entries (DESIGN.md §4).

Accounts are per (owner, kind, currency). Their stored `balance` is the sum of their entries, kept by
`allocations.services.ledger.ledger_post` in the same transaction, so reading a balance costs the same at any history
size; `manage.py ledger_verify` recomputes them all. PostgreSQL enforces the rules itself (migration 0002): balances of
non-external accounts never go below zero (CHECK), entries and transactions are never updated or deleted, and every
transaction sums to zero per currency (a deferred constraint trigger, checked at commit); and only the posting
function `ledger_post()` writes a balance (migration 0005: a trigger refuses any other write).
"""

import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from partners.amounts import AmountField, format_units
from partners.models import Connection, Currency, NetworkClient, Partner

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


class AccountRef(NamedTuple):
    """A ledger account by its natural key, whether or not it exists yet (postings create accounts on first use)."""

    owner_id: uuid.UUID
    kind: str
    currency: Currency


# The names an account is read by (`account_label`), as subqueries on its owner id: one query lists any number of
# accounts with their owners' names. `owner` is the path of the owner id (`"account__owner_id"` from an entry).
OWNER_NAME_FIELDS = (
    "client_name",
    "partner_name",
    "connection_name",
    "connection_client_name",
    "connection_partner_name",
)


def owner_name_annotations(owner: str = "owner_id", prefix: str = "") -> dict[str, Subquery]:
    connections = Connection.objects.filter(network_account_id=OuterRef(owner)).order_by()
    return {
        f"{prefix}client_name": Subquery(
            NetworkClient.objects.filter(pk=OuterRef(owner)).values("enterprise__name")[:1]
        ),
        f"{prefix}partner_name": Subquery(Partner.objects.filter(pk=OuterRef(owner)).values("name")[:1]),
        f"{prefix}connection_name": Subquery(connections.values("name")[:1]),
        f"{prefix}connection_client_name": Subquery(connections.values("client__enterprise__name")[:1]),
        f"{prefix}connection_partner_name": Subquery(connections.values("partner__name")[:1]),
    }


def account_label(*, kind: str, currency_code: str, names: dict) -> str:
    """How a person reads an account: its owner (the client's organization, the partner, the connection and its two
    parties, or the world outside), its kind and its currency: "Globex Trading · available · tbtc"."""
    missing = "(unknown owner)"
    if kind == AccountKind.EXTERNAL:
        owner = "Outside the network"
    elif kind == AccountKind.AVAILABLE:
        owner = names.get("client_name") or missing
    elif kind == AccountKind.PARTNER:
        owner = f"{names.get('partner_name') or missing} (partner)"
    elif names.get("connection_name"):
        owner = (
            f"Connection “{names['connection_name']}” "
            f"({names.get('connection_client_name')} → {names.get('connection_partner_name')})"
        )
    else:
        owner = missing
    label = AccountKind(kind).label.lower() if kind in AccountKind.values else kind
    return f"{owner} · {label} · {currency_code}"


class LedgerAccountQuerySet(models.QuerySet):
    def with_owner_names(self) -> "LedgerAccountQuerySet":
        """The accounts with their owners' names (`account_label`) and currencies, in this one query."""
        return self.select_related("currency").annotate(**owner_name_annotations())


class LedgerAccount(models.Model):
    """A balance of one owner, of one kind, in one currency. Read by people as `str(account)` (`account_label`):
    list them `with_owner_names()` so that naming them costs no query each."""

    id = models.BigAutoField(primary_key=True)  # the lock order: accounts are always locked by ascending id
    owner_id = models.UUIDField()
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.ForeignKey("partners.Currency", on_delete=models.PROTECT, related_name="+")
    balance = AmountField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LedgerAccountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_id", "kind", "currency"], name="ledger_account_unique"),
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.EXTERNAL) | Q(balance__gte=0), name="ledger_account_not_overdrawn"
            ),
        ]

    def __str__(self) -> str:
        return account_label(kind=self.kind, currency_code=self.currency.code, names=self.owner_names())

    def owner_names(self) -> dict:
        """The names of `account_label`: from `with_owner_names()`'s annotations, else read now (one query)."""
        if not hasattr(self, "client_name"):
            if self.pk is None:
                return {}
            names = LedgerAccount.objects.filter(pk=self.pk).annotate(**owner_name_annotations())
            names = names.values(*OWNER_NAME_FIELDS).first() or {}
            for name in OWNER_NAME_FIELDS:
                setattr(self, name, names.get(name))
        return {name: getattr(self, name) for name in OWNER_NAME_FIELDS}


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
    # Indexed by ledger_entry_account (account, id), which serves every look-up by account.
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries", db_index=False)
    amount = AmountField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "ledger entries"
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero")]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account")]

    def __str__(self) -> str:
        # Not the account's name: that is a query per entry where the entries are listed (the admin's inline).
        currency = self.account.currency
        return f"Entry {self.id}: {format_units(self.amount, currency.decimals, currency.code, signed=True)}"


class AllocationType(models.TextChoices):
    ALLOCATION = "allocation", "Allocation"
    DEALLOCATION = "deallocation", "Deallocation"


class AllocationStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"  # funds locked in the connection's reserved account, awaiting the partner
    CLEARED = "cleared", "Cleared"  # done: the money moved
    RELEASED = "released", "Released"  # refused (by a rule or by the partner): no money moved, or it moved back


# What a partner may set a reserved allocation to.
PARTNER_FINAL_STATUSES = [(AllocationStatus.CLEARED.value, "Cleared"), (AllocationStatus.RELEASED.value, "Released")]


class Allocation(models.Model):
    """A client's signed request to move funds to (allocation) or from (deallocation) a connection, and its outcome.

    The signed request is kept as proof (payload, signature, nonce); `request_hash` (sha256 of the canonical signed
    fields) answers a retry with the same `client_external_id`: same hash → the original, another → 409. The ledger
    postings it made are linked: `posting` (the allocation, deallocation or reservation) and `completion` (the
    clearing or release of a reserved one).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=16, choices=AllocationType.choices)
    # connection, client and partner lead composite indexes (Meta), which serve a look-up by each alone: no index of
    # their own, three fewer to write per allocation.
    connection = models.ForeignKey(
        "partners.Connection", on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    # Denormalised from the connection (which never changes parties): the scopes and filters of both sides' lists.
    client = models.ForeignKey(
        "partners.NetworkClient", on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    currency = models.ForeignKey("partners.Currency", on_delete=models.PROTECT, related_name="+")
    quantity = AmountField()
    status = models.CharField(max_length=16, choices=AllocationStatus.choices)
    reason = models.TextField(blank=True, default="")
    reason_code = models.CharField(max_length=64, blank=True, default="")  # the error name of a refusal
    retriable = models.BooleanField(default=False)
    client_external_id = models.CharField(max_length=255)
    partner_external_id = models.CharField(max_length=255, blank=True, default="")
    initiated_by = models.CharField(max_length=255)
    notes = models.TextField(blank=True, default="")
    nonce = models.CharField(max_length=255)
    payload = models.TextField()  # no secret in it: stored plain
    signature = models.CharField(max_length=1000)
    request_hash = models.CharField(max_length=64)
    # Not indexed: nothing looks an allocation up by its postings, and a ledger transaction is never deleted (its
    # trigger refuses), so no foreign-key check needs them either; each index would only cost every insert.
    posting = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    completion = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "client_external_id"], name="allocation_external_id_unique"),
            models.CheckConstraint(condition=Q(type__in=AllocationType.values), name="allocation_type_valid"),
            models.CheckConstraint(condition=Q(status__in=AllocationStatus.values), name="allocation_status_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
            # Money moved for every allocation that is not released; a released one never holds a pending posting.
            models.CheckConstraint(
                condition=Q(status=AllocationStatus.RELEASED) | Q(posting__isnull=False),
                name="allocation_posted_unless_released",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "created_at", "id"], name="allocation_client_created"),
            models.Index(fields=["client", "updated_at"], name="allocation_client_updated"),
            models.Index(fields=["client", "quantity"], name="allocation_client_quantity"),
            models.Index(fields=["partner", "created_at", "id"], name="allocation_partner_created"),
            models.Index(fields=["partner", "updated_at"], name="allocation_partner_updated"),
            models.Index(fields=["partner", "quantity"], name="allocation_partner_quantity"),
            models.Index(fields=["connection", "created_at"], name="allocation_connection_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.status})"
