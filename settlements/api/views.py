"""Network API: settlements, settlement transfers and disputes (the reference's operations of those names).

Partner side: sign and create settlements (v1 at once; v2 pending until its windows pass), read them with their
transfers and disputes, sign trades. Client side: read the settlements and transfers on its connections, and dispute,
retract, un-retract and close disputes (signed requests of the client's enterprise).

Views are thin: validate, one service or selector call, serialize. Reads take their filters from the query string or
a GET's JSON body, as the reference SDK sends them (config.api.query). Lookups are scoped to the enterprise: another
enterprise's ids answer 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from allocations.api.views import initiated_by
from config.api.pagination import network_pagination
from organizations.access import caller_for_request
from organizations.signing import signing_payload
from partners.api.base import ERRORS, LicensedNetworkMixin, NetworkEnterpriseAPIView, NetworkEnterpriseViewSet
from partners.api.serializers import SigningPayloadOutput
from partners.selectors import network_client_find
from settlements import selectors
from settlements.api import serializers as s
from settlements.models import Settlement, SettlementTransfer, SettlementVersion
from settlements.services import disputes, settlements

PARTNER_TAGS = ["Partner Settlements"]
CLIENT_TAGS = ["Client Settlements"]
DISPUTE_TAGS = ["Settlement Disputes"]


# --- partner side: signing and creating -------------------------------------------------------------------------------


class SettlementSigningView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The exact payload a settlement request signs. GET takes the body too, as the reference."""

    tags = PARTNER_TAGS

    @extend_schema(
        summary="Get the payload to sign for a settlement",
        request=s.SettlementSigningInput,
        responses={200: SigningPayloadOutput, 404: ERRORS[404]},
    )
    def post(self, request, **kwargs):
        data = self.validated(s.SettlementSigningInput)
        return Response({"payload": settlements.settlement_signing_payload(enterprise=self.enterprise, **data)})

    @extend_schema(exclude=True)
    def get(self, request, **kwargs):
        """OpenAPI cannot describe a GET body: only the POST variant is in the schema."""
        return self.post(request, **kwargs)


class TradeSigningView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The exact payload a trade report signs (the reference's `V1PartnerTradeSigningGetPayload`): the body as
    given, once its shape is checked. Nothing here stores trades: settlements carry their outcome."""

    tags = PARTNER_TAGS

    @extend_schema(exclude=True)
    def get(self, request, **kwargs):
        self.validated(s.TradeSigningInput)
        settlements.settling_partner(enterprise=self.enterprise)
        return Response({"payload": signing_payload(request.data)})


class PartnerSettlementViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """The enterprise's settlements as a partner; POST settles at once (v1)."""

    pagination_class = network_pagination("settlements")
    serializer_class = s.SettlementOutput
    filter_serializer = s.PartnerSettlementQuery
    queryset = Settlement.objects.none()  # for the schema; get_queryset is scoped to the enterprise
    tags = PARTNER_TAGS
    version = SettlementVersion.V1

    def get_queryset(self):
        return selectors.settlement_list_for_partner(enterprise=self.enterprise, **self.query())

    @extend_schema(
        summary="Settle with clients at once (v1; partners without disputes)",
        request=s.SettlementCreateInput,
        responses={200: s.SettlementEnvelopeOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def create(self, request, **kwargs):
        data = self.validated(s.SettlementCreateInput)
        settlement = settlements.settlement_create(
            enterprise=self.enterprise, initiated_by=initiated_by(request), version=self.version, **data
        )
        return Response(s.SettlementEnvelopeOutput(settlement).data)

    @extend_schema(
        summary="Get a settlement with its transfers and disputes",
        parameters=[s.PartnerSettlementTransfersQuery],
        responses={200: s.SettlementDetailOutput, 404: ERRORS[404]},
    )
    def retrieve(self, request, pk, **kwargs):
        settlement = selectors.settlement_get_for_partner(enterprise=self.enterprise, settlement_id=pk)
        query = self.query(s.PartnerSettlementTransfersQuery)
        page = {"page_number": query.pop("page_number"), "page_size": query.pop("page_size")}
        transfers = selectors.settlement_transfers_of(settlement=settlement, **query)
        return Response(self.detail_body(settlement, transfers, page, client=None))

    @staticmethod
    def detail_body(settlement, transfers, page: dict, *, client) -> dict:
        start = page["page_number"] * page["page_size"]
        detail = {
            "settlement": settlement,
            "transfers": list(transfers[start : start + page["page_size"]]),
            **selectors.settlement_disputes(settlement=settlement, client=client),
        }
        return s.SettlementDetailOutput(detail, context={"client": client}).data


class SettlementV2CreateView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """Stage a settlement (v2): pending until cutoffAt + the client dispute window + the top-up window."""

    tags = PARTNER_TAGS

    @extend_schema(
        summary="Initiate a settlement (v2; finalized after the dispute and top-up windows)",
        request=s.SettlementV2CreateInput,
        responses={200: s.SettlementV2EnvelopeOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def post(self, request, **kwargs):
        data = self.validated(s.SettlementV2CreateInput)
        settlement = settlements.settlement_create(
            enterprise=self.enterprise, initiated_by=initiated_by(request), version=SettlementVersion.V2, **data
        )
        settling = selectors.settlement_disputes(settlement=settlement)["settling_disputes"]
        return Response(s.SettlementV2EnvelopeOutput(settlement, context={"settling_disputes": settling}).data)


class PartnerDisputeViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """The disputes of the enterprise's settlements as a partner (retracted ones with `showRetracted=true`)."""

    pagination_class = network_pagination("disputes")
    serializer_class = s.DisputeOutput
    filter_serializer = s.PartnerDisputeQuery
    queryset = Settlement.objects.none()
    tags = DISPUTE_TAGS

    def get_queryset(self):
        return selectors.dispute_list_for_partner(enterprise=self.enterprise, **self.query())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_closure": True}


# --- client side: reads -----------------------------------------------------------------------------------------------


class ClientSettlementViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """The settlements that move something on the enterprise's connections."""

    pagination_class = network_pagination("settlements")
    serializer_class = s.ClientSettlementOutput
    filter_serializer = s.ClientSettlementQuery
    queryset = Settlement.objects.none()
    tags = CLIENT_TAGS

    def get_queryset(self):
        return selectors.settlement_list_for_client(enterprise=self.enterprise, **self.query())

    @extend_schema(
        summary="Get a settlement with the transfers on the enterprise's connections",
        parameters=[s.ClientSettlementTransfersQuery],
        responses={200: s.SettlementDetailOutput, 404: ERRORS[404]},
    )
    def retrieve(self, request, pk, **kwargs):
        settlement = selectors.settlement_get_for_client(enterprise=self.enterprise, settlement_id=pk)
        client = network_client_find(enterprise=self.enterprise)
        query = self.query(s.ClientSettlementTransfersQuery)
        page = {"page_number": query.pop("page_number"), "page_size": query.pop("page_size")}
        transfers = selectors.settlement_transfers_of(settlement=settlement, client=client, **query)
        return Response(PartnerSettlementViewSet.detail_body(settlement, transfers, page, client=client))


class ClientSettlementTransferViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """Every settlement transfer on the enterprise's connections."""

    pagination_class = network_pagination("settlementTransfers")
    serializer_class = s.SettlementTransferOutput
    filter_serializer = s.SettlementTransferListQuery
    queryset = SettlementTransfer.objects.none()
    tags = CLIENT_TAGS

    def get_queryset(self):
        return selectors.settlement_transfer_list_for_client(enterprise=self.enterprise, **self.query())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "client": network_client_find(enterprise=self.enterprise)}


class ClientDisputeViewSet(LicensedNetworkMixin, ListModelMixin, NetworkEnterpriseViewSet):
    """The disputes the enterprise raised as a client."""

    pagination_class = network_pagination("disputes")
    serializer_class = s.DisputeOutput
    filter_serializer = s.ClientDisputeQuery
    queryset = Settlement.objects.none()
    tags = DISPUTE_TAGS

    def get_queryset(self):
        return selectors.dispute_list_for_client(enterprise=self.enterprise, **self.query())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_closure": True, "client": self.client}

    @property
    def client(self):
        return network_client_find(enterprise=self.enterprise)


# --- client side: disputes --------------------------------------------------------------------------------------------


class DisputeCreateView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """Dispute a pending settlement's transfers on one of the enterprise's connections (within the window)."""

    tags = DISPUTE_TAGS

    @extend_schema(
        summary="Dispute a settlement (signed request)",
        request=s.DisputeCreateInput,
        responses={200: s.DisputeEnvelopeOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def post(self, request, settlementId, **kwargs):
        data = self.validated(s.DisputeCreateInput, settlement_id=settlementId)
        dispute = disputes.dispute_create(enterprise=self.enterprise, user_label=initiated_by(request), **data)
        return Response(s.DisputeEnvelopeOutput({"dispute": dispute}).data)


class DisputeUpdateView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """Retract or un-retract one of the enterprise's disputes (within the window)."""

    tags = DISPUTE_TAGS

    @extend_schema(
        summary="Retract or un-retract a dispute (signed request)",
        request=s.DisputeUpdateInput,
        responses={200: s.DisputeEnvelopeOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def put(self, request, disputeId, **kwargs):
        data = self.validated(s.DisputeUpdateInput, dispute_id=disputeId)
        dispute = disputes.dispute_update(enterprise=self.enterprise, user_label=initiated_by(request), **data)
        return Response(s.DisputeEnvelopeOutput({"dispute": dispute}).data)


class DisputeCloseView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """Close one of the enterprise's disputes: it was not valid, the original transfers stand (they move in the
    partner's next settlement)."""

    tags = DISPUTE_TAGS

    @extend_schema(
        summary="Close a dispute (signed request)",
        request=s.DisputeCloseInput,
        responses={200: s.DisputeClosureEnvelopeOutput, 404: ERRORS[404], 409: ERRORS[409]},
    )
    def post(self, request, disputeId, **kwargs):
        data = self.validated(s.DisputeCloseInput, dispute_id=disputeId)
        user = caller_for_request(request).user  # None for an API client
        closure = disputes.dispute_close(
            enterprise=self.enterprise, user=user, user_label=initiated_by(request), **data
        )
        return Response(s.DisputeClosureEnvelopeOutput(closure).data)
