"""Mounted at `api/network/v1/enterprises/<enterpriseId>/` (config.urls), beside partners.api.urls."""

from django.urls import path

from allocations.api import views

CONNECTION = "clients/connections/<uuid:connectionId>"

urlpatterns = [
    path(f"{CONNECTION}/allocations/signing", views.AllocationSigningView.as_view(), name="network-allocation-signing"),
    path(f"{CONNECTION}/allocations", views.AllocationCreateView.as_view(), name="network-allocation-create"),
    path(
        f"{CONNECTION}/deallocations/signing",
        views.DeallocationSigningView.as_view(),
        name="network-deallocation-signing",
    ),
    path(f"{CONNECTION}/deallocations", views.DeallocationCreateView.as_view(), name="network-deallocation-create"),
    path(
        "clients/allocations",
        views.ClientAllocationViewSet.as_view({"get": "list"}),
        name="network-client-allocation-list",
    ),
    path(
        "clients/allocations/<uuid:pk>",
        views.ClientAllocationViewSet.as_view({"get": "retrieve"}),
        name="network-client-allocation-detail",
    ),
    path(
        "partners/allocations",
        views.PartnerAllocationViewSet.as_view({"get": "list", "put": "update_status"}),
        name="network-partner-allocation-list",
    ),
    path(
        "partners/allocations/<uuid:pk>",
        views.PartnerAllocationViewSet.as_view({"get": "retrieve"}),
        name="network-partner-allocation-detail",
    ),
    path(
        "partners/deallocations",
        views.PartnerDeallocationViewSet.as_view({"put": "update_status"}),
        name="network-partner-deallocation",
    ),
    path("clients/balances", views.ClientBalancesView.as_view(), name="network-client-balances"),
    path("partners/balances", views.PartnerBalancesView.as_view(), name="network-partner-balances"),
]
