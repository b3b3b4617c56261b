"""The partner pages' URLs (mounted at the site root by config.urls). Inviting a partner is invitations'."""

from django.urls import path

from organization_partners import views

urlpatterns = [
    path("partners", views.PartnerListView.as_view(), name="partners"),
    path("partners/new", views.PartnerCreateView.as_view(), name="partner-create"),
    path("partners/export.csv", views.partner_export, name="partner-export"),
    path("partners/import", views.PartnerImportView.as_view(), name="partner-import"),
    path("partners/import/apply", views.partner_import_apply, name="partner-import-apply"),
    path("partners/<uuid:pk>/edit", views.PartnerUpdateView.as_view(), name="partner-edit"),
    path("partners/<uuid:pk>/delete", views.partner_delete_view, name="partner-delete"),
    path("partners/guests/<uuid:pk>", views.GuestPartnerListView.as_view(), name="guest-partners"),
]
