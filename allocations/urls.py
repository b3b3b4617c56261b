"""The allocation pages (`allocations:<name>`), mounted at /network/ beside partners.urls (config.urls): one Network
section in the browser, two namespaces, as a URL namespace belongs to one app."""

from django.urls import path

from allocations import views

app_name = "allocations"

urlpatterns = [
    path("balances", views.BalancesView.as_view(), name="balances"),
    path("allocations", views.AllocationListView.as_view(), name="allocations"),
    path("allocations/<uuid:pk>", views.AllocationDetailView.as_view(), name="allocation"),
    path("connections/<uuid:pk>/allocate", views.AllocationCreateView.as_view(), name="allocate"),
    path("incoming/allocations", views.IncomingAllocationListView.as_view(), name="incoming-allocations"),
    path("incoming/allocations/<uuid:pk>", views.PartnerDecisionView.as_view(), name="decide"),
    path("connections/<uuid:pk>/deallocate", views.DeallocationCreateView.as_view(), name="deallocate"),
]
