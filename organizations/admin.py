"""Staff screens. Secrets never appear: API clients show only their client id; hashes are excluded."""

from django.contrib import admin, messages

from organizations import services
from organizations.models import (
    ApiClient,
    CustodialSigningKey,
    License,
    Membership,
    Organization,
    OrganizationConnection,
    SigningKey,
    UsedNonce,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class LicenseInline(admin.TabularInline):
    model = License
    extra = 0
    fields = ["product", "trust_org", "valid_from", "valid_until", "granted_by"]
    readonly_fields = ["granted_by"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "id", "parent", "created_at"]
    search_fields = ["name", "slug", "id"]
    list_filter = ["created_at"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline, LicenseInline]

    def save_formset(self, request, form, formset, change):
        # Licenses granted here record which staff member granted them.
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, License) and instance.granted_by_id is None:
                instance.granted_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["organization", "product", "trust_org", "valid_from", "valid_until", "granted_by"]
    list_filter = ["product", "trust_org", "valid_from", "valid_until"]
    search_fields = ["organization__name", "organization__id"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["granted_by", "created_at"]
    list_select_related = ["organization", "granted_by"]

    def save_model(self, request, obj, form, change):
        if obj.granted_by_id is None:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read-only apart from revocation: clients are created by their organization, where the secret is shown once."""

    list_display = ["name", "client_id", "organization", "active", "last_used_at", "created_at"]
    list_filter = ["active", "created_at"]
    search_fields = ["name", "client_id", "organization__name"]
    exclude = ["secret_hash"]
    readonly_fields = [
        "id",
        "organization",
        "name",
        "client_id",
        "permissions",
        "rate_limit_per_minute",
        "active",
        "created_by",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    list_select_related = ["organization"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke selected API clients")
    def revoke(self, request, queryset):
        for api_client in queryset.filter(active=True):
            services.api_client_revoke(api_client=api_client)
        self.message_user(request, "Revoked.", messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["label", "organization", "kind", "compressed_public_key", "active", "created_at"]
    list_filter = ["active", "kind"]
    search_fields = ["label", "compressed_public_key", "public_key", "organization__name"]
    readonly_fields = [
        "id",
        "organization",
        "label",
        "kind",
        "public_key",
        "compressed_public_key",
        "active",
        "created_by",
        "created_at",
        "deactivated_at",
    ]
    list_select_related = ["organization"]
    actions = ["deactivate"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Deactivate selected signing keys")
    def deactivate(self, request, queryset):
        for key in queryset.filter(active=True):
            # installation staff may deactivate any key, the custodial key's included (e.g. a leaked key)
            services.signing_key_deactivate(signing_key=key, actor_role=None, by_staff=True)
        self.message_user(request, "Deactivated.", messages.SUCCESS)


@admin.register(CustodialSigningKey)
class CustodialSigningKeyAdmin(admin.ModelAdmin):
    """Read-only. The private key is never shown: only whether the server still holds one."""

    list_display = ["organization", "signing_key", "active", "created_by", "created_at", "disabled_at"]
    list_filter = ["active"]
    search_fields = ["organization__name", "signing_key__compressed_public_key"]
    fields = readonly_fields = [
        "id",
        "organization",
        "signing_key",
        "private_key_held",
        "active",
        "created_by",
        "created_at",
        "disabled_at",
    ]
    list_select_related = ["organization", "signing_key", "created_by"]

    @admin.display(description="Private key")
    def private_key_held(self, obj) -> str:
        return "•••••••• (encrypted at rest, never shown)" if obj.private_key else "erased (disabled)"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UsedNonce)
class UsedNonceAdmin(admin.ModelAdmin):
    """Read-only: deleting a used nonce would let its signed request be replayed."""

    list_display = ["nonce", "organization", "used_at"]
    search_fields = ["nonce", "organization__name"]
    list_filter = ["used_at"]
    list_select_related = ["organization"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrganizationConnection)
class OrganizationConnectionAdmin(admin.ModelAdmin):
    list_display = ["host", "guest", "status", "archived", "created_at"]
    list_filter = ["status", "archived"]
    search_fields = ["host__name", "guest__name"]
    autocomplete_fields = ["host", "guest"]
    list_select_related = ["host", "guest"]
