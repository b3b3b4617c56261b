"""The Network section's pages (`network:<name>`, mounted at /network/): partners.urls and the allocation pages.
They live here because allocations sits above partners (partners imports nothing of allocations)."""

from django.urls import path

from allocations import views
from partners.urls import urlpatterns as partner_urlpatterns

app_name = "network"

urlpatterns = [
    *partner_urlpatterns,
    path("balances", views.BalancesView.as_view(), name="balances"),
    path("allocations", views.AllocationListView.as_view(), name="allocations"),
    path("allocations/<uuid:pk>", views.AllocationDetailView.as_view(), name="allocation"),
    path("connections/<uuid:pk>/allocate", views.AllocationCreateView.as_view(), name="allocate"),
    path("incoming/allocations", views.IncomingAllocationListView.as_view(), name="incoming-allocations"),
    path("incoming/allocations/<uuid:pk>", views.PartnerDecisionView.as_view(), name="decide"),
    path("connections/<uuid:pk>/deallocate", views.DeallocationCreateView.as_view(), name="deallocate"),
]
