"""Staff screens of settlements: settlements with their transfers (read-only, with a "Finalize now" action), every
dispute (read-only, with a "Close this dispute" page that records staff's decision through the same service the
clients' closures use), and the settlement transfers. Nothing here changes money any other way."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from config.errors import DomainError
from organizations.web import DomainErrorForm
from partners.admin import ReadOnlyAdmin
from partners.amounts import format_units, parse_units
from partners.models import Currency
from settlements.models import Dispute, Settlement, SettlementStatus, SettlementTransfer
from settlements.services import disputes
from settlements.services.finalization import settlement_finalize

MANAGE_PERMISSION = "settlements.change_settlement"


def _units(transfer: SettlementTransfer) -> str:
    return format_units(transfer.quantity, transfer.currency.decimals, transfer.currency.code, signed=True)


class SettlementTransferInline(admin.TabularInline):
    model = SettlementTransfer
    fk_name = "settlement"
    fields = ["connection", "counterparty_connection", "amount", "status", "reason", "dispute_closure"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related("connection", "counterparty_connection", "currency").order_by("created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Amount (the connection's side)")
    def amount(self, transfer) -> str:
        return _units(transfer)


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "partner", "version", "status", "disputed", "created_at", "finalize_after"]
    list_filter = ["status", "version", "disputed", "created_at"]
    search_fields = ["=id", "external_id", "partner__name"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = [field.name for field in Settlement._meta.fields]
    inlines = [SettlementTransferInline]
    actions = ["finalize_now"]

    def has_finalize_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE_PERMISSION)

    @admin.action(description="Finalize now (without waiting for the windows)", permissions=["finalize"])
    def finalize_now(self, request, queryset):
        """The same service the Celery worker runs, without the wait: open disputes still hold their transfers."""
        done = 0
        for settlement_id in queryset.filter(status=SettlementStatus.PENDING).values_list("pk", flat=True):
            done += settlement_finalize(settlement_id=settlement_id, force=True) is not None
        skipped = queryset.count() - done
        self.message_user(request, f"{done} settlement(s) finalized.", messages.SUCCESS if done else messages.INFO)
        if skipped:
            self.message_user(request, f"{skipped} selected settlement(s) were already final.", messages.WARNING)


class StaffClosureForm(DomainErrorForm):
    adjusted = forms.CharField(
        label="Adjusted amounts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "tbtc -0.25\nteth 1.5"}),
        help_text="One line per currency: its code and what the connection gets in whole units (negative: what it "
        "gives). They move in the partner's next settlement. Leave empty to move nothing.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the dispute ends this way.")

    def clean_adjusted(self) -> dict[str, int]:
        amounts: dict[str, int] = {}
        lines = [line.split() for line in self.cleaned_data["adjusted"].splitlines() if line.strip()]
        currencies = {c.code: c for c in Currency.objects.filter(code__in=[line[0] for line in lines])}
        for number, line in enumerate(lines, start=1):
            if len(line) != 2:
                raise forms.ValidationError(f"Line {number}: write the currency code, a space, then the amount.")
            code, text = line
            if code not in currencies:
                raise forms.ValidationError(f"Line {number}: {code!r} is not a currency.")
            if code in amounts:
                raise forms.ValidationError(f"Line {number}: {code} is there twice.")
            try:
                quantity = parse_units(text, currencies[code].decimals)
            except ValueError as exc:
                raise forms.ValidationError(f"Line {number}: {exc}") from None
            if quantity == 0:
                raise forms.ValidationError(f"Line {number}: leave the currency out rather than give it zero.")
            amounts[code] = quantity
        return amounts


def staff_closure_view(model_admin: admin.ModelAdmin, request, dispute_id: uuid.UUID):
    if not request.user.has_perm(MANAGE_PERMISSION):
        raise PermissionDenied
    dispute = get_object_or_404(
        Dispute.objects.select_related("settlement__partner", "connection", "client__enterprise"), pk=dispute_id
    )
    form = StaffClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disputes.dispute_close_by_staff(
                dispute_id=dispute.pk,
                adjusted=form.cleaned_data["adjusted"],
                notes=form.cleaned_data["notes"],
                user=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            model_admin.message_user(request, "The dispute is closed.", messages.SUCCESS)
            return redirect("admin:settlements_dispute_change", dispute.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Close the dispute of {dispute.client.enterprise.name} on {dispute.settlement.external_id}",
        "form": form,
        "dispute": dispute,
        "transfers": SettlementTransfer.objects.select_related("currency", "connection")
        .filter(settlement=dispute.settlement, connection=dispute.connection)
        .order_by("created_at"),
        "expected": _expected_units(dispute.expected_transfers or {}),
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/settlements/dispute_close.html", context)


def _expected_units(expected: dict) -> list[tuple[str, str]]:
    """What the client expected (currency code → base units) in whole units, base units beside; as given when the
    code is not a currency or the amount not an integer (the client wrote it)."""
    currencies = {currency.code: currency for currency in Currency.objects.filter(code__in=list(expected))}
    shown = []
    for code, amount in expected.items():
        try:
            quantity = int(str(amount))
        except ValueError:
            quantity = None
        currency = currencies.get(code)
        if currency is None or quantity is None:
            shown.append((code, f"{amount} (base units)"))
        else:
            units = format_units(quantity, currency.decimals, currency.code, signed=True)
            shown.append((code, f"{units} ({quantity:,} base units)"))
    return shown


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["id", "settlement", "connection", "client", "retracted", "is_closed", "created_at"]
    list_filter = ["retracted", "created_at"]
    search_fields = ["=id", "settlement__external_id", "client__enterprise__name", "connection__name"]
    list_select_related = ["settlement", "connection", "client__enterprise"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [*(field.name for field in Dispute._meta.fields), "close_link"]

    def get_urls(self):
        close = self.admin_site.admin_view(lambda request, pk: staff_closure_view(self, request, pk))
        return [path("<uuid:pk>/close/", close, name="settlements_dispute_close"), *super().get_urls()]

    @admin.display(description="Closed", boolean=True)
    def is_closed(self, dispute) -> bool:
        return dispute.closure_id is not None

    @admin.display(description="Close")
    def close_link(self, dispute) -> str:
        if dispute.closure_id is not None:
            return "Closed."
        return format_html(
            '<a href="{}">Close this dispute…</a>', reverse("admin:settlements_dispute_close", args=[dispute.pk])
        )


@admin.register(SettlementTransfer)
class SettlementTransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "settlement", "connection", "amount", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["=id", "=settlement__id", "settlement__external_id", "connection__name"]
    list_select_related = ["settlement", "connection", "currency"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [field.name for field in SettlementTransfer._meta.fields]

    @admin.display(description="Amount (the connection's side)")
    def amount(self, transfer) -> str:
        return _units(transfer)
