"""Mounted at `api/network/v1/enterprises/<enterpriseId>/` (config.urls), beside partners.api.urls."""

from django.urls import path

from allocations import balances_api

urlpatterns = [
    path("clients/balances", balances_api.ClientBalancesView.as_view(), name="network-client-balances"),
    path("partners/balances", balances_api.PartnerBalancesView.as_view(), name="network-partner-balances"),
]
