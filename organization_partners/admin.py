"""Staff screen for organization partner records.

Writes go through organization_partners.services, so staff meet the same rules as every other edge: the form's
`clean` runs `organization_partner_clean` (every failing field at once, next to its field) and saving calls
`organization_partner_create` / `_update`; deleting calls `organization_partner_delete`. The invitation status and
the guest organization follow invitations and are read-only here. An action exports the selected records as CSV
(organization_partners.csv_import_export).
"""

from django import forms
from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone

from config.errors import ValidationFailed
from organization_partners import csv_import_export
from organization_partners.models import OrganizationPartner
from organization_partners.services import (
    EDITABLE_FIELDS,
    organization_partner_clean,
    organization_partner_create,
    organization_partner_delete,
    organization_partner_update,
)

FORM_FIELDS = [
    "organization",
    "parent_organization",
    "company_name",
    "partner_type",
    "email",
    "sales_amount",
    "frequency",
    "payment_terms",
    "address",
    "city",
    "state",
    "postal_code",
    "country_code",
    "company_registration_number",
    "code",
    "timezone",
    "customer_count",
    "properties",
]


class OrganizationPartnerAdminForm(forms.ModelForm):
    class Meta:
        model = OrganizationPartner
        fields = FORM_FIELDS

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        if organization is None:
            return cleaned
        data = {name: cleaned[name] for name in EDITABLE_FIELDS if name in cleaned and name not in self.errors}
        if data.get("properties") is None and "properties" in data:
            data["properties"] = {}
        try:
            self.partner_data = organization_partner_clean(
                organization=organization, data=data, partner=self.instance if self.instance.pk else None
            )
        except ValidationFailed as error:
            for item in error.errors:
                name = str(item.path[0]) if item.path else None
                self.add_error(name if name in self.fields else None, item.msg)
        return cleaned

    def validate_constraints(self):
        # organization_partner_clean said what is wrong in words; the database constraints still hold on save.
        pass


@admin.register(OrganizationPartner)
class OrganizationPartnerAdmin(admin.ModelAdmin):
    form = OrganizationPartnerAdminForm
    list_display = [
        "company_name",
        "organization",
        "partner_type",
        "code",
        "country_code",
        "invitation_status",
        "created_at",
    ]
    list_filter = ["partner_type", "invitation_status", "created_at"]
    search_fields = ["company_name", "email", "code", "organization__name"]
    autocomplete_fields = ["organization", "parent_organization"]
    list_select_related = ["organization"]
    readonly_fields = ["id", "invitation_status", "guest_organization", "created_at", "updated_at"]
    actions = ["export_csv"]
    ordering = ["-created_at", "id"]

    def get_readonly_fields(self, request, obj=None):
        # A record stays with its organization.
        return [*self.readonly_fields, "organization"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        if data.get("properties") is None and "properties" in data:
            data["properties"] = {}
        if change:
            organization_partner_update(partner=OrganizationPartner.objects.get(pk=obj.pk), **data)
            return
        created = organization_partner_create(organization=obj.organization, **data)
        obj.pk, obj.created_at, obj.updated_at = created.pk, created.created_at, created.updated_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        organization_partner_delete(partner=obj)

    def delete_queryset(self, request, queryset):
        for partner in queryset:
            organization_partner_delete(partner=partner)

    @admin.action(description="Export the selected partners as CSV")
    def export_csv(self, request, queryset):
        partners = queryset.order_by("organization_id", "created_at", "id")
        response = StreamingHttpResponse(
            csv_import_export.partner_export_lines(partners=partners), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="partners-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response
