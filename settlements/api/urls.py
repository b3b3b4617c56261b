"""Mounted at `api/network/v1/enterprises/<enterpriseId>/` (config.urls), beside partners' and allocations'; the v2
settlement create is in settlements.api.urls_v2."""

from django.urls import path

from settlements.api import views

urlpatterns = [
    path("partners/settlements-signing", views.SettlementSigningView.as_view(), name="network-settlement-signing"),
    path("partners/trades/signing", views.TradeSigningView.as_view(), name="network-trade-signing"),
    path(
        "partners/settlements",
        views.PartnerSettlementViewSet.as_view({"get": "list", "post": "create"}),
        name="network-partner-settlement-list",
    ),
    path(
        "partners/settlements/nonReconciled",
        views.PartnerSettlementViewSet.as_view({"post": "create"}),
        name="network-partner-settlement-non-reconciled",
    ),
    path(
        "partners/settlements/<uuid:pk>",
        views.PartnerSettlementViewSet.as_view({"get": "retrieve"}),
        name="network-partner-settlement-detail",
    ),
    path(
        "partners/settlement/disputes",
        views.PartnerDisputeViewSet.as_view({"get": "list"}),
        name="network-partner-dispute-list",
    ),
    path(
        "clients/settlements",
        views.ClientSettlementViewSet.as_view({"get": "list"}),
        name="network-client-settlement-list",
    ),
    path(
        "clients/settlements/<uuid:pk>",
        views.ClientSettlementViewSet.as_view({"get": "retrieve"}),
        name="network-client-settlement-detail",
    ),
    path(
        "clients/settlements/<uuid:settlementId>/disputes",
        views.DisputeCreateView.as_view(),
        name="network-dispute-create",
    ),
    path(
        "clients/settlements/disputes/<uuid:disputeId>",
        views.DisputeUpdateView.as_view(),
        name="network-dispute-update",
    ),
    path(
        "clients/settlements/disputes/<uuid:disputeId>/close",
        views.DisputeCloseView.as_view(),
        name="network-dispute-close",
    ),
    path(
        "clients/settlementTransfers",
        views.ClientSettlementTransferViewSet.as_view({"get": "list"}),
        name="network-client-settlement-transfer-list",
    ),
    path(
        "clients/settlement/disputes",
        views.ClientDisputeViewSet.as_view({"get": "list"}),
        name="network-client-dispute-list",
    ),
]
