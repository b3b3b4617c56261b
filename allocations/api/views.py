"""Network API: allocations and deallocations (client side: sign, create, read; partner side: read, clear, release),
and balances (`GET .../clients/balances`, `GET .../partners/balances`: amounts are base-unit integer strings,
currencies keyed by code, `networkBalances` keyed by connection id, one page of connections, oldest first; what each
number means: allocations.selectors.balances).

Views are thin: validate, one service or selector call, serialize. The licence, membership and permission rules come
from partners.api.base.LicensedNetworkMixin; lookups are scoped to the enterprise (another's ids answer 404). Twin
operations share one class and differ in declarations: allocation and deallocation signing, creating, and the
partner's update (PUT, a viewset action on either path).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from allocations.api import serializers as s
from allocations.models import Allocation, AllocationStatus
from allocations.selectors import allocations as selectors
from allocations.selectors import balances
from allocations.services import allocations as services
from config.api.pagination import network_pagination
from config.api.permissions import PerMethod
from config.logging import current_request_id
from organizations.access import caller_for_request
from organizations.models import PermissionCode
from partners.api.base import ERRORS, LicensedNetworkMixin, NetworkEnterpriseAPIView, NetworkEnterpriseViewSet
from partners.api.serializers import SigningPayloadOutput

TAGS = ["Client Allocations & Deallocations"]
PARTNER_TAGS = ["Partner Allocations & Deallocations"]


def initiated_by(request) -> str:
    """Who made the request, as the allocation records it: the API client's or the user's name."""
    caller = caller_for_request(request)
    if caller.api_client is not None:
        return f"api client {caller.api_client.name}"
    return f"user {caller.user.get_username()}"


# --- client side: signing and creating --------------------------------------------------------------------------------


class AllocationSigningView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The exact payload an allocation (or deallocation) request signs. GET takes the body too, as the reference."""

    permission_rule = PerMethod(GET=PermissionCode.WRITE_NETWORK, POST=PermissionCode.WRITE_NETWORK)
    tags = TAGS

    @extend_schema(
        summary="Get the payload to sign for an allocation",
        request=s.AllocationSigningInput,
        responses={200: SigningPayloadOutput, 404: ERRORS[404]},
    )
    def post(self, request, connectionId, **kwargs):
        data = self.validated(s.AllocationSigningInput, connection_id=connectionId)
        return Response({"payload": services.allocation_signing_payload(enterprise=self.enterprise, **data)})

    @extend_schema(exclude=True)
    def get(self, request, **kwargs):
        """OpenAPI cannot describe a GET body: only the POST variant is in the schema."""
        return self.post(request, **kwargs)


class DeallocationSigningView(AllocationSigningView):
    @extend_schema(
        summary="Get the payload to sign for a deallocation",
        request=s.AllocationSigningInput,
        responses={200: SigningPayloadOutput, 404: ERRORS[404]},
    )
    def post(self, request, connectionId, **kwargs):
        return super().post(request, connectionId, **kwargs)


class AllocationCreateView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """Allocate to a connection: 200 cleared or reserved; 422 with the released allocation and the error."""

    tags = TAGS
    key = "allocation"
    service = staticmethod(services.allocation_create)

    @extend_schema(
        summary="Allocate funds to a connection (signed request)",
        request=s.AllocationCreateInput,
        responses={
            200: s.AllocationCreatedOutput,
            404: ERRORS[404],
            409: ERRORS[409],
            422: s.AllocationRefusedOutput,
        },
    )
    def post(self, request, connectionId, **kwargs):
        data = self.validated(s.AllocationCreateInput, connection_id=connectionId)
        allocation = self.service(enterprise=self.enterprise, initiated_by=initiated_by(request), **data)
        body = {self.key: s.AllocationResultOutput(allocation).data}
        if allocation.status == AllocationStatus.RELEASED:
            error = {"error": allocation.reason, "name": allocation.reason_code, "requestId": current_request_id()}
            return Response(body | error, status=422)
        return Response(body)


class DeallocationCreateView(AllocationCreateView):
    """Take funds back from a connection (inactive ones too): 200 cleared or reserved; 422 released."""

    key = "deallocation"
    service = staticmethod(services.deallocation_create)

    @extend_schema(
        summary="Deallocate funds from a connection (signed request)",
        request=s.AllocationCreateInput,
        responses={
            200: s.DeallocationCreatedOutput,
            404: ERRORS[404],
            409: ERRORS[409],
            422: s.DeallocationRefusedOutput,
        },
    )
    def post(self, request, connectionId, **kwargs):
        return super().post(request, connectionId, **kwargs)


# --- reads ------------------------------------------------------------------------------------------------------------


class AllocationReadViewSet(LicensedNetworkMixin, ListModelMixin, RetrieveModelMixin, NetworkEnterpriseViewSet):
    pagination_class = network_pagination("allocations")
    serializer_class = s.AllocationOutput
    filter_serializer = s.AllocationQuery
    selector = staticmethod(selectors.allocation_list_for_client)
    getter = staticmethod(selectors.allocation_get_for_client)
    queryset = Allocation.objects.none()  # for the schema; get_queryset is scoped to the enterprise
    tags = TAGS

    def get_queryset(self):
        filters = self.query() if self.action == "list" else {}
        return self.selector(enterprise=self.enterprise, **filters)

    @extend_schema(responses={200: s.AllocationEnvelopeOutput, 404: ERRORS[404]})
    def retrieve(self, request, **kwargs):
        allocation = self.getter(enterprise=self.enterprise, allocation_id=kwargs["pk"])
        return Response({"allocation": self.get_serializer(allocation).data})


class ClientAllocationViewSet(AllocationReadViewSet):
    """The allocations and deallocations the enterprise made as a client."""


# --- partner side: clearing or releasing ------------------------------------------------------------------------------


class PartnerUpdateMixin:
    # PUT: the partner clears or releases a reserved allocation or deallocation (`service`), a signed request read by
    # `input_serializer`; the answer (`output_serializer`) repeats the partner's own ids as its request gave them.
    # (Comments, not docstrings: the schema takes an operation's description from the view's docstrings.)
    input_serializer: type[s.PartnerAllocationUpdateInput]
    output_serializer: type[s.PartnerAllocationUpdateOutput]
    service = staticmethod(services.allocation_partner_update)

    def update_status(self, request, **kwargs):
        data = self.validated(self.input_serializer)
        allocation = self.service(enterprise=self.enterprise, **data)
        fields = data["fields"]
        context = {
            "partners_client_id": fields.partners_client_id,
            "partners_connection_id": fields.partners_connection_id,
        }
        return Response(self.output_serializer(allocation, context=context).data)


class PartnerAllocationViewSet(PartnerUpdateMixin, AllocationReadViewSet):
    """The allocations and deallocations made to the enterprise as a partner; PUT clears or releases one."""

    filter_serializer = s.PartnerAllocationQuery
    selector = staticmethod(selectors.allocation_list_for_partner)
    getter = staticmethod(selectors.allocation_get_for_partner)
    tags = PARTNER_TAGS
    input_serializer = s.PartnerAllocationUpdateInput
    output_serializer = s.PartnerAllocationUpdateOutput

    @extend_schema(
        summary="Clear or release a reserved allocation (signed request of the partner)",
        request=s.PartnerAllocationUpdateInput,
        responses={200: s.PartnerAllocationUpdateOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def update_status(self, request, **kwargs):
        return super().update_status(request, **kwargs)


class PartnerDeallocationViewSet(PartnerUpdateMixin, LicensedNetworkMixin, NetworkEnterpriseViewSet):
    tags = PARTNER_TAGS
    input_serializer = s.PartnerDeallocationUpdateInput
    output_serializer = s.PartnerDeallocationUpdateOutput
    service = staticmethod(services.deallocation_partner_update)

    @extend_schema(
        summary="Clear or release a reserved deallocation (signed request of the partner)",
        request=s.PartnerDeallocationUpdateInput,
        responses={200: s.PartnerDeallocationUpdateOutput, 404: ERRORS[404], 409: ERRORS[409], 422: ERRORS[422]},
    )
    def update_status(self, request, **kwargs):
        return super().update_status(request, **kwargs)


# --- balances ---------------------------------------------------------------------------------------------------------


class ClientBalancesView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """The enterprise's balances as a client: its own account and what it has allocated per connection."""

    tags = ["Client balances"]

    @extend_schema(
        summary="List client balances",
        parameters=[s.ClientBalancesQuery],
        responses={200: s.ClientBalancesOutput, 404: ERRORS[404]},
    )
    def get(self, request, **kwargs):
        result = balances.client_balances(enterprise=self.enterprise, **self.query(s.ClientBalancesQuery))
        return Response(s.ClientBalancesOutput(result).data)


class PartnerBalancesView(LicensedNetworkMixin, NetworkEnterpriseAPIView):
    """What clients hold with the enterprise as a partner, per connection, and the partner's own balances."""

    tags = ["Partner balances"]

    @extend_schema(
        summary="List partner balances",
        parameters=[s.PartnerBalancesQuery],
        responses={200: s.PartnerBalancesOutput, 404: ERRORS[404]},
    )
    def get(self, request, **kwargs):
        result = balances.partner_balances(enterprise=self.enterprise, **self.query(s.PartnerBalancesQuery))
        return Response(s.PartnerBalancesOutput(result).data)
