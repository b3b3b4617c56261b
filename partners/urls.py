"""The Network section's pages (`network:<name>`), mounted at /network/ (config.urls); allocations' pages are under
the same path, in their own namespace."""

from django.urls import path

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
]
