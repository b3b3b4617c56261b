"""Probe views built on the real dialect base classes, for the plumbing tests (mounted only in those tests)."""

from django.urls import path
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from config.api.dialects import NETWORK
from config.api.fields import QueryListField
from config.api.pagination import network_pagination
from config.api.permissions import PerMethod
from config.errors import ValidationFailed
from organizations.api.base import OrganizationUnscopedAPIView
from organizations.models import LicenseProduct, Membership, PermissionCode
from partners.api.base import NetworkEnterpriseViewSet


class ProbeInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    amount = serializers.DictField(child=serializers.IntegerField())
    clientDisputeWindowMinutes = serializers.IntegerField(
        source="client_dispute_window_minutes", required=False, min_value=0
    )


class ProbeFilter(serializers.Serializer):
    statuses = QueryListField(
        comma_separated=True, child=serializers.ChoiceField(choices=["cleared", "released", "reserved"])
    )
    memberIds = QueryListField(source="member_ids", comma_separated=True, child=serializers.UUIDField())


class MembershipIdOutput(serializers.Serializer):
    def to_representation(self, instance):
        return str(instance.pk)


def probe_service(*, client_dispute_window_minutes: int | None = None, **_) -> None:
    """Stands in for a domain service: it names fields in domain terms (snake_case)."""
    if client_dispute_window_minutes is not None and client_dispute_window_minutes > 10_000:
        raise ValidationFailed.single("client_dispute_window_minutes", "At most 10000 minutes.", "max_value")


class NetworkProbeViewSet(ListModelMixin, NetworkEnterpriseViewSet):
    permission_rule = PerMethod(GET=PermissionCode.READ_NETWORK, POST=PermissionCode.WRITE_NETWORK)
    pagination_class = network_pagination("members")
    filter_serializer = ProbeFilter
    serializer_class = MembershipIdOutput

    def get_queryset(self):
        queryset = Membership.objects.filter(organization=self.enterprise).order_by("created_at", "id")
        member_ids = self.query().get("member_ids")
        return queryset.filter(pk__in=member_ids) if member_ids else queryset

    def list(self, request, enterpriseId):
        response = super().list(request)
        response.data["statuses"] = self.query().get("statuses", [])  # echoed, for the array-filter tests
        return response

    def create(self, request, enterpriseId):
        probe_service(**self.validated(ProbeInput))
        return Response({"ok": True})


class LicensedProbeViewSet(NetworkProbeViewSet):
    required_license = LicenseProduct.NETWORK


class NotAnApiView(APIView):
    """A DRF view that bypasses the API base classes: the default permission class closes it."""

    def get(self, request):
        return Response({"leaked": True})


class Crash(OrganizationUnscopedAPIView):
    permission_rule = PerMethod(GET=None)

    def get(self, request, **kwargs):
        raise RuntimeError("boom: a bug")


class NetworkCrash(Crash):
    dialect = NETWORK


router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("api/network/v1/enterprises/<str:enterpriseId>/probe", NetworkProbeViewSet, basename="probe")
router.register("api/network/v1/enterprises/<str:enterpriseId>/licensed", LicensedProbeViewSet, basename="licensed")

urlpatterns = [
    *router.urls,
    path("api/network/v1/crash", NetworkCrash.as_view()),
    path("api/v1/crash", Crash.as_view()),
    # The dialect is the view's, wherever it is mounted.
    path("api/v1/network-dialect-crash", NetworkCrash.as_view()),
    path("api/v1/not-an-api-view", NotAnApiView.as_view()),
]
