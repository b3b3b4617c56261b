"""Network API balances: `GET .../clients/balances` and `GET .../partners/balances` (the reference's shapes).

Amounts are base-unit integer strings; currencies are keyed by code; `networkBalances` is keyed by connection id and
holds one page of connections (`pageNumber`, `pageSize`), oldest first. What each number means:
allocations.selectors.balances.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from allocations.selectors.balances import client_balances, partner_balances
from config.api.fields import QueryListField, QueryTextField
from config.api.pagination import PageNumberQuery
from partners.api.base import ERRORS, LicensedNetworkMixin, NetworkEnterpriseAPIView
from partners.api.fields import AmountStringField

# --- query parameters ---------------------------------------------------------------------------------------------


class ClientBalancesQuery(PageNumberQuery):
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())


class PartnerBalancesQuery(PageNumberQuery):
    partnerIds = QueryListField(source="partner_ids", comma_separated=True, child=serializers.UUIDField())
    clientIds = QueryListField(source="client_ids", comma_separated=True, child=serializers.UUIDField())
    connectionIds = QueryListField(source="connection_ids", comma_separated=True, child=serializers.UUIDField())
    partnersConnectionIds = QueryListField(
        source="partners_connection_ids", comma_separated=True, child=QueryTextField(max_length=255)
    )


# --- output -------------------------------------------------------------------------------------------------------


class CurrencyBalanceOutput(serializers.Serializer):
    available = AmountStringField()
    held = AmountStringField()


class ConnectionBalanceFields(serializers.Serializer):
    partnerId = serializers.UUIDField(source="partner_id")
    partnersConnectionId = serializers.SerializerMethodField(
        help_text="The partner's id for the connection; the connection's own id until the partner has set one."
    )
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), help_text="Currency code → this connection's balances."
    )

    def get_partnersConnectionId(self, connection) -> str:
        return connection.partners_connection_id or str(connection.pk)


class ClientNetworkBalanceOutput(ConnectionBalanceFields):
    name = serializers.CharField()
    partnerInstitutionIdentifier = serializers.CharField(source="partner.institution_identifier")


class PartnerNetworkBalanceOutput(ConnectionBalanceFields):
    clientId = serializers.UUIDField(source="client_id")


class ClientBalancesOutput(serializers.Serializer):
    clientId = serializers.UUIDField(source="client.pk")
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), help_text="Currency code → the client's own balances."
    )
    networkBalances = serializers.DictField(
        source="network_balances", child=ClientNetworkBalanceOutput(), help_text="Connection id → its balances."
    )


class PartnerBalancesOutput(serializers.Serializer):
    networkBalances = serializers.DictField(
        source="network_balances", child=PartnerNetworkBalanceOutput(), help_text="Connection id → its balances."
    )
    balances = serializers.DictField(
        child=CurrencyBalanceOutput(), required=False, help_text="Currency code → the partner's own balances."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.balances is None:
            data.pop("balances")
        return data


# --- views --------------------------------------------------------------------------------------------------------


class ClientBalancesView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The enterprise's balances as a client: its own account and what it has allocated per connection."""

    tags = ["Client balances"]

    @extend_schema(
        summary="List client balances",
        parameters=[ClientBalancesQuery],
        responses={200: ClientBalancesOutput, 404: ERRORS[404]},
    )
    def get(self, request, **kwargs):
        result = client_balances(enterprise=self.enterprise, **self.query(ClientBalancesQuery))
        return Response(ClientBalancesOutput(result).data)


class PartnerBalancesView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """What clients hold with the enterprise as a partner, per connection, and the partner's own balances."""

    tags = ["Partner balances"]

    @extend_schema(
        summary="List partner balances",
        parameters=[PartnerBalancesQuery],
        responses={200: PartnerBalancesOutput, 404: ERRORS[404]},
    )
    def get(self, request, **kwargs):
        result = partner_balances(enterprise=self.enterprise, **self.query(PartnerBalancesQuery))
        return Response(PartnerBalancesOutput(result).data)
