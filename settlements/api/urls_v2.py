"""Mounted at `api/network/v2/enterprises/<enterpriseId>/` (config.urls): the reference's one v2 operation."""

from django.urls import path

from settlements.api import views

urlpatterns = [
    path("partners/settlements", views.SettlementV2CreateView.as_view(), name="network-v2-settlement-create"),
]
