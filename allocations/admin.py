"""Staff screens of the ledger: accounts, transactions (with their entries) and entries, all read-only; and the
Funding page, where staff credit (deposit) or debit (withdraw) a network client's AVAILABLE account with a reason,
through allocations.services.funding. Nothing here writes to the ledger any other way."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from allocations.errors import CurrencyInactive, InsufficientFunds, LedgerBalanceOverflow
from allocations.models import AccountKind, Allocation, LedgerAccount, LedgerEntry, LedgerTransaction, TransactionKind
from allocations.services import funding
from config.errors import DomainError
from organizations.web import DomainErrorForm
from partners.admin import ReadOnlyAdmin
from partners.amounts import format_amount, parse_amount
from partners.models import Connection, Currency, NetworkClient, Partner

FUNDING_PERMISSION = "allocations.add_ledgertransaction"


def _amount(value) -> str:
    return format_amount(value) if value is not None else "-"


# --- funding ------------------------------------------------------------------------------------------------------


class FundingForm(DomainErrorForm):
    client = forms.ModelChoiceField(
        queryset=NetworkClient.objects.select_related("enterprise").order_by("enterprise__name", "id"),
        required=False,
        help_text="The enterprise whose network account (available balance) is credited or debited.",
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.order_by("name", "id"),
        required=False,
        help_text="Or a partner's own account, which pays its clients' settlement gains.",
    )
    direction = forms.ChoiceField(
        choices=[
            (TransactionKind.DEPOSIT, "Deposit: credit the client (funds come into the network)"),
            (TransactionKind.WITHDRAWAL, "Withdrawal: debit the client (funds leave the network)"),
        ],
        widget=forms.RadioSelect,
    )
    currency = forms.ModelChoiceField(queryset=Currency.objects.order_by("code"), to_field_name="code")
    amount = forms.CharField(
        max_length=78,
        help_text="In base units, digits only (100000000 is 1 BTC with 8 decimals).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    memo = forms.CharField(
        label="Reason",
        max_length=funding.MAX_MEMO_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the ledger transaction: why the money moves (ticket, wire reference, ...).",
    )

    domain_error_fields = {InsufficientFunds: "amount", LedgerBalanceOverflow: "amount", CurrencyInactive: "currency"}

    def clean(self):
        data = super().clean()
        if bool(data.get("client")) == bool(data.get("partner")):
            raise forms.ValidationError("Choose a client or a partner (one of them).")
        return data

    def clean_amount(self) -> int:
        try:
            amount = parse_amount(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError(
                "Not an amount: base units as digits only, no sign, spaces, decimal point or leading zeros."
            ) from None
        if amount == 0:
            raise forms.ValidationError("The amount must be greater than zero.")
        return amount


def funding_view(model_admin: admin.ModelAdmin, request):
    if not request.user.has_perm(FUNDING_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        form = FundingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            deposit = data["direction"] == TransactionKind.DEPOSIT
            if data["client"]:
                service = funding.network_deposit if deposit else funding.network_withdraw
                target, holder = {"client": data["client"]}, data["client"].enterprise.name
            else:
                service = funding.partner_deposit if deposit else funding.partner_withdraw
                target, holder = {"partner": data["partner"]}, f"partner {data['partner'].name}"
            try:
                posting = service(
                    **target,
                    currency=data["currency"],
                    amount=data["amount"],
                    memo=data["memo"],
                    created_by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                model_admin.message_user(
                    request,
                    f"{posting.get_kind_display()} of {data['amount']} {data['currency'].code} base units "
                    f"for {holder} recorded.",
                    messages.SUCCESS,
                )
                return redirect("admin:allocations_ledgertransaction_change", posting.pk)
    else:
        initial = {"client": request.GET.get("client"), "partner": request.GET.get("partner")}
        form = FundingForm(initial={**initial, "direction": TransactionKind.DEPOSIT})
    client, partner = form["client"].value(), form["partner"].value()
    balances = []
    owner, kind = (client, AccountKind.AVAILABLE) if client else (partner, AccountKind.PARTNER)
    if owner and _is_uuid(owner):  # the selected account's balances, beside the form
        balances = LedgerAccount.objects.filter(owner_id=owner, kind=kind).select_related("currency")
        balances = balances.order_by("currency__code")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Fund a network client or a partner",
        "form": form,
        "balances": [(account.currency.code, _amount(account.balance)) for account in balances],
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/allocations/funding.html", context)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- the ledger, read-only ------------------------------------------------------------------------------------------


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["id", "account", "signed_amount", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account__currency").order_by("id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Amount")
    def signed_amount(self, entry) -> str:
        return _amount(entry.amount)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "memo", "created_by", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=id", "memo", "created_by__username"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [LedgerEntryInline]
    change_list_template = "admin/allocations/ledgertransaction/change_list.html"

    def get_urls(self):
        funding = self.admin_site.admin_view(lambda request: funding_view(self, request))
        return [path("funding/", funding, name="allocations_ledgertransaction_funding"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_fund": request.user.has_perm(FUNDING_PERMISSION)}
        return super().changelist_view(request, extra_context)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner_id", "currency", "balance_display", "updated_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["=id", "=owner_id", "currency__code"]
    list_select_related = ["currency"]
    ordering = ["id"]
    fields = ["id", "kind", "owner_id", "owner", "currency", "balance_display", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="Balance", ordering="balance")
    def balance_display(self, account) -> str:
        return _amount(account.balance)

    @admin.display(description="Owner")
    def owner(self, account) -> str:
        if account.kind == AccountKind.EXTERNAL:
            return "Outside the network"
        if account.kind == AccountKind.AVAILABLE:
            client = NetworkClient.objects.select_related("enterprise").filter(pk=account.owner_id).first()
            return f"Network client of {client.enterprise.name}" if client else "-"
        if account.kind == AccountKind.PARTNER:
            partner = Partner.objects.filter(pk=account.owner_id).first()
            return f"Partner {partner.name}" if partner else "-"
        connection = Connection.objects.filter(network_account_id=account.owner_id).first()
        return f"Connection “{connection.name}” ({connection.pk})" if connection else "-"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "transaction", "account", "amount_display", "created_at"]
    list_filter = ["account__kind", "account__currency", "transaction__kind"]
    search_fields = ["=transaction__id", "=account__owner_id", "=account__id"]
    list_select_related = ["transaction", "account"]
    ordering = ["-id"]
    fields = ["id", "transaction", "account", "amount_display", "created_at"]
    readonly_fields = fields

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, entry) -> str:
        return _amount(entry.amount)


# --- allocations, read-only ---------------------------------------------------------------------------------------


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    """Allocations and deallocations as the network recorded them: signed requests are never edited by hand."""

    list_display = ["id", "type", "status", "client", "partner", "connection", "currency", "amount", "created_at"]
    list_filter = ["type", "status", "currency", "created_at"]
    search_fields = [
        "=id",
        "=client_external_id",
        "=partner_external_id",
        "=connection__id",
        "client__enterprise__name",
    ]
    list_select_related = ["client__enterprise", "partner", "connection", "currency"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = [field.name for field in Allocation._meta.fields]

    @admin.display(description="Quantity", ordering="quantity")
    def amount(self, allocation) -> str:
        return _amount(allocation.quantity)
