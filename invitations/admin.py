"""Staff screens of invitations (read-only; staff may resend). Connections are organizations' (organizations.admin)."""

from django.contrib import admin, messages

from config.errors import DomainError
from invitations import services
from invitations.models import Invitation, InvitationEmail


class InvitationEmailInline(admin.TabularInline):
    """Each email requested for the invitation (first send, resends). Read-only; the link's token is never shown."""

    model = InvitationEmail
    extra = 0
    can_delete = False
    fields = readonly_fields = ["requested_at", "claimed_at", "sent_at", "attempts", "last_error"]
    ordering = ["requested_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made by their organization; staff may resend (a new link, through the service)."""

    list_display = ["email", "kind", "organization", "role", "status", "expired_at", "last_invitation_sent_at"]
    list_filter = ["kind", "status", "archived", "role", "created_at", "expired_at"]
    search_fields = ["email", "organization__name", "id"]
    list_select_related = ["organization"]
    fields = readonly_fields = [
        "id",
        "kind",
        "organization",
        "parent_organization",
        "email",
        "role",
        "partner",
        "status",
        "expired_at",
        "archived",
        "token_hash",
        "invited_by",
        "first_invitation_sent_at",
        "last_invitation_sent_at",
        "accepted_at",
        "accepted_by",
        "accepted_organization",
        "created_at",
        "updated_at",
    ]
    inlines = [InvitationEmailInline]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.method == "GET" and super().has_change_permission(request, obj)

    @admin.action(description="Resend selected invitations (with a new link)")
    def resend(self, request, queryset):
        sent, refused = 0, []
        for invitation in queryset:
            try:
                services.invitation_resend(invitation=invitation)
            except DomainError as error:
                refused.append(f"{invitation.email}: {error.message}")
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} invitation(s) sent again.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)
