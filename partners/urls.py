from django.urls import path

from allocations import views as allocation_views
from partners import views

app_name = "network"  # the Network section's pages: `network:<name>`

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("client", views.NetworkClientCreateView.as_view(), name="client-create"),
    path("register", views.PartnerRegisterView.as_view(), name="register"),
    path("partners", views.PartnerDirectoryView.as_view(), name="directory"),
    path("connections", views.ConnectionListView.as_view(), name="connections"),
    path("connections/new", views.ConnectionCreateView.as_view(), name="connect"),
    path("connections/<uuid:pk>", views.ConnectionDetailView.as_view(), name="connection"),
    path("connections/<uuid:pk>/active", views.ConnectionActiveView.as_view(), name="connection-active"),
    path("incoming", views.IncomingConnectionListView.as_view(), name="incoming"),
    path("balances", allocation_views.BalancesView.as_view(), name="balances"),
    path("allocations", allocation_views.AllocationListView.as_view(), name="allocations"),
    path("allocations/<uuid:pk>", allocation_views.AllocationDetailView.as_view(), name="allocation"),
    path("connections/<uuid:pk>/allocate", allocation_views.AllocationCreateView.as_view(), name="allocate"),
    path("connections/<uuid:pk>/deallocate", allocation_views.DeallocationCreateView.as_view(), name="deallocate"),
]
