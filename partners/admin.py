"""Staff screens for the network's reference data."""

from django.contrib import admin

from partners.models import Currency


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
