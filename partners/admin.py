"""Staff screens of the network. Partner configs are edited here (every change kept, readable under "History");
partners, clients and connections are read-only apart from actions that call the services. Connection keys are
credentials: never shown."""

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from partners import services
from partners.models import PARTNER_CONFIG_HISTORY, Connection, Currency, NetworkClient, Partner, PartnerConfig


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PartnerConfigForm(forms.ModelForm):
    class Meta:
        model = PartnerConfig
        fields = "__all__"  # noqa: DJ007 - staff edit every field of the config

    # One history row per save. Left to its signals, django-simple-history writes a row when the config is saved
    # (with the currencies it had before: none for a new config) and another when the admin then saves the
    # currencies (m2m_changed), so one save showed as two changes, one of them empty. The form holds both signals
    # back and records the config once, currencies included, after save_m2m (which the admin's save and the
    # history page's revert both call, in the admin's transaction).
    def save(self, commit=True):
        self._adding = self.instance._state.adding
        self.instance.skip_history_when_saving = True
        return super().save(commit=commit)

    def _save_m2m(self):
        super()._save_m2m()
        del self.instance.skip_history_when_saving
        PARTNER_CONFIG_HISTORY.create_historical_record(self.instance, "+" if self._adding else "~")

    def clean_public_key(self) -> str:
        pem = self.cleaned_data["public_key"].strip()
        if not pem:
            return ""
        try:
            key = load_pem_public_key(pem.encode())
        except (ValueError, TypeError):
            raise forms.ValidationError("Not a PEM public key (-----BEGIN PUBLIC KEY----- ...).") from None
        if not isinstance(key, RSAPublicKey) or key.key_size < 2048:
            raise forms.ValidationError("The partner's key must be an RSA public key of at least 2048 bits.")
        return pem


@admin.register(PartnerConfig)
class PartnerConfigAdmin(SimpleHistoryAdmin):
    form = PartnerConfigForm
    list_display = ["enterprise", "trust_org", "settlement_transaction_route_id", "disputes_enabled", "updated_at"]
    list_filter = ["trust_org", "disputes_enabled", "async_allocations_enabled"]
    search_fields = ["enterprise__name", "enterprise__id", "settlement_transaction_route_id"]
    autocomplete_fields = ["enterprise"]
    filter_horizontal = ["supported_currencies"]
    list_select_related = ["enterprise"]
    history_list_display = ["trust_org", "settlement_transaction_route_id", "disputes_enabled"]


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "enterprise", "connection_key_schema", "active", "stable", "created_at"]
    list_filter = ["active", "stable", "connection_key_schema", "broker", "config__trust_org"]
    search_fields = ["name", "enterprise__name", "institution_identifier", "id"]
    list_select_related = ["enterprise"]
    actions = ["activate", "deactivate", "mark_stable"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("partners.change_partner")  # for the actions; every field stays read-only

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def _flags(self, request, queryset, message: str, **flags) -> None:
        for partner in queryset:
            services.partner_flags_set(partner=partner, **flags)
        self.message_user(request, message.format(count=queryset.count()), messages.SUCCESS)

    @admin.action(description="Activate the selected partners")
    def activate(self, request, queryset):
        self._flags(request, queryset, "{count} partner(s) activated.", active=True)

    @admin.action(description="Deactivate the selected partners (no new connections)")
    def deactivate(self, request, queryset):
        self._flags(request, queryset, "{count} partner(s) deactivated.", active=False)

    @admin.action(description="Mark the selected partners stable")
    def mark_stable(self, request, queryset):
        self._flags(request, queryset, "{count} partner(s) marked stable.", stable=True)


@admin.register(NetworkClient)
class NetworkClientAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "trust_org", "wallet_id", "created_at"]
    list_filter = ["trust_org"]
    search_fields = ["enterprise__name", "id", "wallet_id"]
    list_select_related = ["enterprise"]
    readonly_fields = ["funding"]

    @admin.display(description="Funding")
    def funding(self, obj) -> str:
        url = reverse("admin:allocations_ledgertransaction_funding")
        return format_html('<a href="{}?client={}">Deposit or withdraw (allocations admin)</a>', url, obj.pk)


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "client", "partner", "connection_key_schema", "active", "initialized", "created_at"]
    list_filter = ["active", "initialized", "connection_key_schema"]
    search_fields = ["name", "id", "client__enterprise__name", "partner__name"]
    list_select_related = ["client__enterprise", "partner"]
    exclude = ["connection_key"]
    readonly_fields = ["connection_key_masked"]

    @admin.display(description="Connection key")
    def connection_key_masked(self, obj) -> str:
        return f"{obj.connection_key_schema} key — encrypted, never shown"


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "decimals", "active", "testnet", "mainnet", "updated_at"]
    list_filter = ["active", "testnet", "decimals"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    autocomplete_fields = ["mainnet"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # Amounts already stored are counted in this currency's base units under this code: neither changes later.
        if obj is not None:
            return ["code", "decimals", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: amounts and configs refer to currencies
