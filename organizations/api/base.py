"""Base views of the two dialects: who the caller is, in which organization, with which permission."""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from config.errors import Forbidden, ValidationFailed
from organizations.access import REQUESTER_HEADER, TARGET_HEADER, Access, Scenario, access_resolve, caller_for_request
from organizations.errors import NotAMember
from organizations.models import Organization

ORGANIZATION_HEADERS = [
    OpenApiParameter(
        REQUESTER_HEADER,
        OpenApiTypes.UUID,
        OpenApiParameter.HEADER,
        required=True,
        description="The organization making the request; must be one of the caller's organizations.",
    ),
    OpenApiParameter(
        TARGET_HEADER,
        OpenApiTypes.UUID,
        OpenApiParameter.HEADER,
        required=True,
        description="The organization whose resources are addressed: the requester itself, or a connected one.",
    ),
]


def require_permission(permissions: frozenset[str], code: str | None) -> None:
    if code and code not in permissions:
        raise Forbidden(f"This action needs the {code} permission.")


class OrganizationAPIView(APIView):
    """Organization API (`/api/v1/...`): resolves the access scenario from the organization headers.

    `allowed_scenarios`: which of Self / Host / Guest may call; `required_permissions`: method → permission code.
    """

    allowed_scenarios: frozenset[Scenario] = frozenset({Scenario.SELF})
    required_permissions: dict[str, str] = {}
    access: Access

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.access = access_resolve(caller=caller_for_request(request), headers=request.headers)
        if self.access.scenario not in self.allowed_scenarios:
            raise Forbidden(f"This operation is not allowed in the {self.access.scenario.value} scenario.")
        require_permission(self.access.permissions, self.required_permissions.get(request.method))

    @property
    def actor_role(self) -> str | None:
        """The caller's role in the requester organization (None for API clients)."""
        return caller_for_request(self.request).role_in(self.access.requester.pk)

    @property
    def target(self) -> Organization:
        """The organization whose resources this request addresses (`Target-Organization-ID`)."""
        return self.access.target


class NetworkEnterpriseAPIView(APIView):
    """Network API (`/api/network/v1/enterprises/{enterpriseId}/...`): the caller must belong to the enterprise."""

    required_permissions: dict[str, str] = {}
    enterprise: Organization

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        raw = kwargs.get("enterpriseId", "")
        try:
            enterprise_id = uuid.UUID(raw)
        except ValueError:
            raise ValidationFailed.single(
                ("path", "enterpriseId"), "enterpriseId must be a UUID.", "invalid_uuid"
            ) from None
        permissions = caller_for_request(request).permissions_in(enterprise_id)
        if permissions is None:
            raise NotAMember()
        self.enterprise = Organization.objects.get(pk=enterprise_id)
        self.permissions = permissions
        require_permission(permissions, self.required_permissions.get(request.method))
