"""Network API (`/api/network/v1/enterprises/{enterpriseId}/...`): partners, network clients, connections.

Every view needs the enterprise's network license (403 otherwise) and READ_NETWORK to read, WRITE_NETWORK to
write; the dialect, membership (401), schema defaults and errors come from partners.api.base. Object lookups are
scoped to the enterprise: another enterprise's ids answer 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from config.api.pagination import network_pagination
from config.api.permissions import PerMethod
from organizations.models import PermissionCode
from partners import selectors, services
from partners.api import serializers as s
from partners.api.base import (
    ERRORS,
    NETWORK_DOMAIN,
    LicensedNetworkMixin,
    NetworkEnterpriseAPIView,
    NetworkEnterpriseViewSet,
)


class PartnerViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """The network's partner directory, and registering the enterprise as a partner (seed 000)."""

    pagination_class = network_pagination("partners")
    filter_serializer = s.PartnerDirectoryQuery
    serializer_class = s.PartnerDirectoryOutput
    tags = ["Partners"]

    def get_queryset(self):
        return selectors.partner_directory(enterprise=self.enterprise, **self.query())

    @extend_schema(
        summary="Create a network partner",
        request=s.PartnerCreateInput,
        responses={200: s.PartnerCreatedOutput, 409: ERRORS[409], 422: ERRORS[422]},
    )
    def create(self, request, **kwargs):
        partner = services.partner_create(enterprise=self.enterprise, **self.validated(s.PartnerCreateInput))
        return Response({"partner": s.PartnerOutput(partner).data})


class NetworkClientView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    tags = ["Clients"]

    @extend_schema(
        summary="Create the enterprise's network client (idempotent)",
        request=None,
        responses=s.NetworkClientCreatedOutput,
    )
    def post(self, request, **kwargs):
        client = services.network_client_create(enterprise=self.enterprise)
        return Response({"client": s.NetworkClientOutput(client).data})


class ConnectionSigningView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The exact payload a connection request signs. GET takes the body too, as the reference has it."""

    permission_rule = PerMethod(GET=PermissionCode.WRITE_NETWORK, POST=PermissionCode.WRITE_NETWORK)
    tags = ["Connections"]

    @extend_schema(
        summary="Get the payload to sign for a connection",
        request=s.ConnectionSigningInput,
        responses={200: s.SigningPayloadOutput, 404: ERRORS[404], 422: ERRORS[422]},
    )
    def post(self, request, **kwargs):
        data = self.validated(s.ConnectionSigningInput)
        return Response({"payload": services.connection_signing_payload(enterprise=self.enterprise, **data)})

    @extend_schema(exclude=True)
    def get(self, request, **kwargs):
        """The reference's GET variant, taking the same body. OpenAPI cannot describe a GET body, so only the POST
        variant is in the schema."""
        return self.post(request, **kwargs)


class ConnectionReadViewSet(LicensedNetworkMixin, ListModelMixin, RetrieveModelMixin, NetworkEnterpriseViewSet):
    """Connections of one side (client or partner): `selector` lists them, filtered by `filter_serializer`."""

    pagination_class = network_pagination("connections")
    serializer_class = s.ConnectionOutput
    selector = staticmethod(selectors.connection_list_for_client)

    def get_queryset(self):
        filters = self.query() if self.action == "list" else {}
        return self.selector(enterprise=self.enterprise, **filters)

    @extend_schema(responses={200: s.ConnectionEnvelopeOutput, 404: ERRORS[404]})
    def retrieve(self, request, **kwargs):
        return Response({"connection": self.get_serializer(self.get_object()).data})


class ClientConnectionViewSet(ConnectionReadViewSet):
    """The enterprise's connections to partners (client side)."""

    filter_serializer = s.ClientConnectionQuery
    tags = ["Connections"]

    @extend_schema(
        summary="Connect to a partner (signed request)",
        request=s.ConnectionCreateInput,
        responses={200: s.ConnectionEnvelopeOutput, 404: ERRORS[404], 422: ERRORS[422]},
    )
    def create(self, request, **kwargs):
        connection = services.connection_create(enterprise=self.enterprise, **self.validated(s.ConnectionCreateInput))
        return Response({"connection": self.get_serializer(connection).data})

    @extend_schema(
        summary="Rename, deactivate or reactivate a connection",
        request=s.ConnectionUpdateInput,
        responses={200: s.ConnectionEnvelopeOutput, 422: ERRORS[422]},
    )
    def update(self, request, **kwargs):
        connection = services.connection_update(connection=self.get_object(), **self.validated(s.ConnectionUpdateInput))
        return Response({"connection": self.get_serializer(connection).data})


class PartnerConnectionViewSet(ConnectionReadViewSet):
    """The connections clients made to the enterprise as a partner."""

    filter_serializer = s.PartnerConnectionQuery
    selector = staticmethod(selectors.connection_list_for_partner)
    tags = ["Partner connections"]


class SupportedCurrenciesView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The currencies each requested partner supports for allocations, deallocations and settlements."""

    tags = ["Partners"]

    @extend_schema(
        summary="List partner-supported currencies",
        parameters=[s.SupportedCurrenciesQuery],
        responses=s.SupportedCurrenciesOutput,
    )
    def get(self, request, **kwargs):
        partners = selectors.partner_list_with_currencies(**self.query(s.SupportedCurrenciesQuery))
        supported = {
            str(partner.pk): [
                {"currency": c.code, "name": c.name, "decimals": c.decimals, "partnerNames": [partner.name]}
                for c in partner.config.supported_currency_list
            ]
            for partner in partners
        }
        return Response({"supportedCurrencies": supported, "domain": NETWORK_DOMAIN})
