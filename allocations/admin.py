"""Staff screens of the ledger: accounts, transactions (with their entries) and entries, all read-only; and the
Funding page, where staff credit (deposit) or debit (withdraw) a network client's AVAILABLE account with a reason,
through allocations.services.funding. Nothing here writes to the ledger any other way.

Amounts read in whole units of their currency with its code ("0.25 tbtc", `partners.amounts.format_units`: exact,
never a float); the base units stay beside them on detail pages. Accounts are named by owner, kind and currency
(`LedgerAccount.__str__`), read with their owners' names in the list's one query (`with_owner_names`).

Funding is two steps on one URL: the form (amounts in whole units, or base units ending in "base"), then a
confirmation page showing what will move, in whole and base units, with the balance before and after. Nothing moves
on the first POST. The confirmation carries the values as hidden fields and a one-time token kept in the cache with a
digest of those values: the second POST is validated again in full, must match the digest (else it is shown for
confirmation again), and consumes the token atomically (the cache's delete says which request removed it) before
the service is called, so a double click records one movement."""

import hashlib
import json
import re
import secrets
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from allocations.errors import CurrencyInactive, InsufficientFunds, LedgerBalanceOverflow
from allocations.models import (
    OWNER_NAME_FIELDS,
    AccountKind,
    AccountRef,
    Allocation,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
    account_label,
    owner_name_annotations,
)
from allocations.selectors.ledger import account_balance
from allocations.services import funding
from config.errors import DomainError
from organizations.web import DomainErrorForm
from partners.admin import ReadOnlyAdmin
from partners.amounts import MAX_AMOUNT_DIGITS, format_units, parse_amount, parse_units
from partners.models import Currency, NetworkClient, Partner

FUNDING_PERMISSION = "allocations.add_ledgertransaction"
CONFIRM_SECONDS = 15 * 60  # how long a funding confirmation page may wait for its click
_BASE_UNITS = re.compile(r"(?P<digits>.*?)\s*base(?:\s+units?)?", re.IGNORECASE)


def _units(quantity, currency: Currency) -> str:
    """Base units as a person reads them: whole units with separators and the currency's code."""
    return format_units(quantity, currency.decimals, currency.code) if quantity is not None else "-"


def _units_with_base(quantity, currency: Currency):
    """Whole units, then the exact base units, smaller (detail pages, where precision matters)."""
    if quantity is None:
        return "-"
    return format_html(
        '{} <span class="amount-base">({} base units)</span>', _units(quantity, currency), f"{int(quantity):,}"
    )


# --- funding ------------------------------------------------------------------------------------------------------


def parse_funding_amount(text: str, decimals: int) -> int:
    """An amount typed on the Funding page as base units: whole units of the currency ("0.25", "1,000"), or base
    units when it ends in "base" ("25000000 base": digits only). ValueError with the message to show."""
    text = (text or "").strip()
    base = _BASE_UNITS.fullmatch(text)
    if base:
        try:
            amount = parse_amount(base.group("digits").strip())
        except ValueError:
            raise ValueError(
                "Base units are digits only before “base”: no sign, separator, decimal point or leading zero."
            ) from None
    else:
        amount = parse_units(text, decimals)
    if amount <= 0:
        raise ValueError("The amount must be greater than zero.")
    if len(str(amount)) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"The amount has more than {MAX_AMOUNT_DIGITS} digits in base units.")
    return amount


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
            (TransactionKind.DEPOSIT, "Deposit: credit the account (funds come into the network)"),
            (TransactionKind.WITHDRAWAL, "Withdrawal: debit the account (funds leave the network)"),
        ],
        widget=forms.RadioSelect,
    )
    currency = forms.ModelChoiceField(queryset=Currency.objects.order_by("code"), to_field_name="code")
    amount = forms.CharField(
        max_length=100,
        help_text=(
            "In whole units of the currency: 0.25 is a quarter of a tbtc, 1,000 a thousand (a point for decimals, "
            "commas optional). To give base units instead, end with “base”: 25000000 base (0.25 tbtc, 8 decimals)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
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
        if data.get("currency") is not None and "amount" in data:
            try:
                data["amount"] = parse_funding_amount(data["amount"], data["currency"].decimals)
            except ValueError as error:
                self.add_error("amount", str(error))
        return data

    def account(self) -> AccountRef:
        data = self.cleaned_data
        if data["client"]:
            return AccountRef(data["client"].pk, AccountKind.AVAILABLE, data["currency"])
        return AccountRef(data["partner"].pk, AccountKind.PARTNER, data["currency"])

    def holder(self) -> str:
        data = self.cleaned_data
        return data["client"].enterprise.name if data["client"] else f"partner {data['partner'].name}"

    def confirmed_values(self) -> dict[str, str]:
        """The cleaned values as the confirmation page posts them back (the amount in base units, explicitly)."""
        data = self.cleaned_data
        return {
            "client": str(data["client"].pk) if data["client"] else "",
            "partner": str(data["partner"].pk) if data["partner"] else "",
            "direction": data["direction"],
            "currency": data["currency"].code,
            "amount": f"{data['amount']} base",
            "memo": data["memo"],
        }


def _digest(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def _confirm_key(request, token: str) -> str:
    return f"admin-funding:{request.user.pk}:{token}"


def funding_view(model_admin: admin.ModelAdmin, request):
    if not request.user.has_perm(FUNDING_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        form = FundingForm(request.POST)
        if form.is_valid():
            if "edit" in request.POST:  # back from the confirmation: the form again, the amount in whole units
                data = form.cleaned_data
                amount = format_units(data["amount"], data["currency"].decimals)
                form = FundingForm(initial={**form.confirmed_values(), "amount": amount})
            elif request.POST.get("token"):
                response = _record(model_admin, request, form, request.POST["token"])
                if response is not None:
                    return response
            elif _fits(form):
                return _confirmation(model_admin, request, form)
    else:
        initial = {"client": request.GET.get("client"), "partner": request.GET.get("partner")}
        form = FundingForm(initial={**initial, "direction": TransactionKind.DEPOSIT})
    return _form_page(model_admin, request, form)


def _fits(form: FundingForm) -> bool:
    """A withdrawal larger than the balance is refused before the confirmation (the service decides again)."""
    data = form.cleaned_data
    if data["direction"] != TransactionKind.WITHDRAWAL:
        return True
    balance = account_balance(form.account())
    if data["amount"] <= balance:
        return True
    form.add_error(
        "amount",
        f"The balance is {_units(balance, data['currency'])}: a withdrawal cannot take more "
        f"({_units(data['amount'], data['currency'])} asked).",
    )
    return False


def _record(model_admin, request, form: FundingForm, token: str):
    """The confirmed POST: the values must be those confirmed, the token unused; then the service, once."""
    key = _confirm_key(request, token)
    expected = cache.get(key)
    if expected is None:
        form.add_error(
            None,
            "This confirmation was already used or has expired (after 15 minutes): nothing more was recorded by "
            "this click. Check the ledger transactions before recording it again.",
        )
        return None
    if expected != _digest(form.confirmed_values()):  # changed since shown: shown for confirmation again
        return _confirmation(
            model_admin, request, form, note="These values differ from the ones you confirmed: check them again."
        )
    if not cache.delete(key):  # a concurrent click consumed it first
        form.add_error(None, "This confirmation was already used: the movement was recorded once.")
        return None
    data = form.cleaned_data
    deposit = data["direction"] == TransactionKind.DEPOSIT
    if data["client"]:
        service = funding.network_deposit if deposit else funding.network_withdraw
        target = {"client": data["client"]}
    else:
        service = funding.partner_deposit if deposit else funding.partner_withdraw
        target = {"partner": data["partner"]}
    try:
        posting = service(
            **target, currency=data["currency"], amount=data["amount"], memo=data["memo"], created_by=request.user
        )
    except DomainError as error:
        form.add_domain_error(error)
        return None
    model_admin.message_user(
        request,
        f"{posting.get_kind_display()} of {_units(data['amount'], data['currency'])} "
        f"({data['amount']:,} base units) for {form.holder()} recorded.",
        messages.SUCCESS,
    )
    return redirect("admin:allocations_ledgertransaction_change", posting.pk)


def _confirmation(model_admin, request, form: FundingForm, note: str = ""):
    """Step 2: what will move, nothing moved yet; the values posted back with a one-time token."""
    data = form.cleaned_data
    values = form.confirmed_values()
    token = secrets.token_urlsafe(24)
    cache.set(_confirm_key(request, token), _digest(values), CONFIRM_SECONDS)
    currency, amount = data["currency"], data["amount"]
    before = account_balance(form.account())
    after = before + amount if data["direction"] == TransactionKind.DEPOSIT else max(before - amount, 0)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Confirm the movement",
        "subtitle": None,
        "opts": model_admin.model._meta,
        "form": form,
        "note": note,
        "token": token,
        "hidden": values,
        "deposit": data["direction"] == TransactionKind.DEPOSIT,
        "holder": form.holder(),
        "account_kind": "available balance" if data["client"] else "own account (partner)",
        "amount_units": _units(amount, currency),
        "amount_base": f"{amount:,}",
        "before": _units(before, currency),
        "after": _units(after, currency),
        "memo": data["memo"],
    }
    return TemplateResponse(request, "admin/allocations/funding_confirm.html", context)


def _form_page(model_admin, request, form: FundingForm):
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
        # The form laid out by the admin's own fieldset template, as on a change form.
        "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}, model_admin=model_admin),
        "media": model_admin.media + form.media,
        "balances": [
            (account.currency.code, _units(account.balance, account.currency), f"{int(account.balance):,}")
            for account in balances
        ],
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


def _entry_account(entry: LedgerEntry) -> str:
    """The entry's account by name, from the `account_*` annotations of the entry's queryset (no query per row)."""
    names = {name: getattr(entry, f"account_{name}", None) for name in OWNER_NAME_FIELDS}
    return account_label(kind=entry.account.kind, currency_code=entry.account.currency.code, names=names)


def _entries_with_accounts(queryset):
    # select_related here replaces list_select_related (the change list skips its own when the queryset has one).
    return queryset.select_related("transaction", "account__currency").annotate(
        **owner_name_annotations(owner="account__owner_id", prefix="account_")
    )


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["id", "account_name", "amount_units", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return _entries_with_accounts(super().get_queryset(request)).order_by("id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Account")
    def account_name(self, entry) -> str:
        return _entry_account(entry)

    @admin.display(description="Amount")
    def amount_units(self, entry) -> str:
        return _units_with_base(entry.amount, entry.account.currency)


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
    # The name holds the owner, kind and currency; the filters still select by kind and currency.
    list_display = ["name", "balance_units", "updated_at", "id"]
    list_filter = ["kind", "currency"]
    search_fields = ["=id", "=owner_id", "currency__code"]
    ordering = ["id"]
    fields = ["id", "name", "kind", "owner_id", "currency", "balance_detail", "created_at", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).with_owner_names()  # names and currencies in the list's one query

    @admin.display(description="Account")
    def name(self, account) -> str:
        return str(account)

    @admin.display(description="Balance", ordering="balance")
    def balance_units(self, account) -> str:
        return _units(account.balance, account.currency)

    @admin.display(description="Balance")
    def balance_detail(self, account):
        return _units_with_base(account.balance, account.currency)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "account_name", "amount_units", "transaction", "created_at"]
    list_filter = ["account__kind", "account__currency", "transaction__kind"]
    search_fields = ["=transaction__id", "=account__owner_id", "=account__id"]
    ordering = ["-id"]
    fields = ["id", "transaction", "account_name", "amount_detail", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return _entries_with_accounts(super().get_queryset(request))

    @admin.display(description="Account")
    def account_name(self, entry) -> str:
        return _entry_account(entry)

    @admin.display(description="Amount", ordering="amount")
    def amount_units(self, entry) -> str:
        return format_units(entry.amount, entry.account.currency.decimals, entry.account.currency.code, signed=True)

    @admin.display(description="Amount")
    def amount_detail(self, entry):
        return _units_with_base(entry.amount, entry.account.currency)


# --- allocations, read-only ---------------------------------------------------------------------------------------


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    """Allocations and deallocations as the network recorded them: signed requests are never edited by hand."""

    # The quantity (with its currency) before the parties, whose names are long: it stays in view at 1366 px.
    list_display = ["created_at", "type", "status", "quantity_units", "client_name", "connection"]
    list_display_links = ["created_at"]
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
    readonly_fields = ["quantity_units", *(field.name for field in Allocation._meta.fields)]

    @admin.display(description="Quantity", ordering="quantity")
    def quantity_units(self, allocation) -> str:
        return _units(allocation.quantity, allocation.currency)

    @admin.display(description="Client", ordering="client__enterprise__name")
    def client_name(self, allocation) -> str:
        return allocation.client.enterprise.name

    def get_fields(self, request, obj=None):
        fields = [field.name for field in Allocation._meta.fields]
        # The quantity as a person reads it, first; the base units (the signed request's) stay in `quantity`.
        return [*fields[: fields.index("quantity")], "quantity_units", *fields[fields.index("quantity") :]]
