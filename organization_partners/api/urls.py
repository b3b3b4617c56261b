"""The organization API's partner records (/api/v1/partners...), mounted by config.urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from organization_partners.api import views

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("partners", views.OrganizationPartnerViewSet, basename="api-partner")

urlpatterns = [
    path("partners/import", views.PartnerImportView.as_view(), name="api-partner-import"),  # before `partners/{id}`
    *router.urls,
]
