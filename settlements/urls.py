"""The settlement pages (`settlements:<name>`), mounted at /network/ beside partners.urls and allocations.urls
(config.urls). `client-detail` is named in the settlement email (settlements.delivery)."""

from django.urls import path

from settlements import views

app_name = "settlements"

urlpatterns = [
    path("settlements", views.ClientSettlementListView.as_view(), name="client-list"),
    path("settlements/<uuid:pk>", views.ClientSettlementDetailView.as_view(), name="client-detail"),
    path("settlements/<uuid:pk>/dispute", views.DisputeCreateView.as_view(), name="dispute"),
    path("disputes/<uuid:pk>/retract", views.DisputeUpdateView.as_view(), name="dispute-update"),
    path("disputes/<uuid:pk>/close", views.DisputeCloseView.as_view(), name="dispute-close"),
    path("incoming/settlements", views.PartnerSettlementListView.as_view(), name="incoming-settlements"),
    path("incoming/settlements/new", views.SettlementCreateView.as_view(), name="settle"),
    path("incoming/settlements/<uuid:pk>", views.PartnerSettlementDetailView.as_view(), name="incoming-settlement"),
]
