"""Probe views built on the real dialect base classes, for the plumbing tests (mounted only in those tests)."""

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.filters import array_param, uuid_array_param
from config.api.pagination import PageNumberPage
from organizations.api.base import NetworkEnterpriseAPIView
from organizations.models import Membership, PermissionCode


class ProbeInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    amount = serializers.DictField(child=serializers.IntegerField())


class NetworkProbe(NetworkEnterpriseAPIView):
    required_permissions = {"GET": PermissionCode.READ_NETWORK, "POST": PermissionCode.WRITE_NETWORK}

    def get(self, request, enterpriseId):
        statuses = array_param(request, "statuses", choices={"cleared", "released", "reserved"})
        ids = uuid_array_param(request, "memberIds")
        queryset = Membership.objects.filter(organization=self.enterprise).order_by("created_at", "id")
        if ids:
            queryset = queryset.filter(pk__in=ids)
        page = PageNumberPage.from_request(request, queryset)
        return Response({"members": [str(m.pk) for m in page.items], "statuses": statuses})

    def post(self, request, enterpriseId):
        serializer = ProbeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"ok": True})


class Crash(APIView):
    def get(self, request, **kwargs):
        raise RuntimeError("boom: a bug")


urlpatterns = [
    path("api/network/v1/enterprises/<str:enterpriseId>/probe", NetworkProbe.as_view()),
    path("api/network/v1/crash", Crash.as_view()),
    path("api/v1/crash", Crash.as_view()),
]
