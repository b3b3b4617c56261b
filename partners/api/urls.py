"""Mounted at `api/network/v1/enterprises/<enterpriseId>/` (config.urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from partners.api import views

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("partners/connections", views.PartnerConnectionViewSet, basename="network-partner-connection")
router.register("partners", views.PartnerViewSet, basename="network-partner")
router.register("clients/connections", views.ClientConnectionViewSet, basename="network-client-connection")

urlpatterns = [
    path("clients", views.NetworkClientView.as_view(), name="network-client"),
    path("supportedCurrencies", views.SupportedCurrenciesView.as_view(), name="network-supported-currencies"),
    path("clients/connections/signing", views.ConnectionSigningView.as_view(), name="network-connection-signing"),
    *router.urls,
]
