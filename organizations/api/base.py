"""Base views of the organization dialect, how they find the organization a request addresses, and the scoped
object lookup both dialects share (the network dialect's base views are in partners.api.base).

Organization API (`/api/v1/...`, snake_case, 422 validation, `{"items", "total_items"}`):
- `OrganizationViewSet` / `OrganizationAPIView`: the `Requester-Organization-ID` / `Target-Organization-ID` headers
  give the access scenario (Self / Host / Guest, `allowed_scenarios`) and the caller's permissions; `self.target` is
  the organization addressed.
- `OrganizationUnscopedViewSet` / `OrganizationUnscopedAPIView`: no organization headers (tokens, "my
  organizations").

Subclasses declare `permission_rule` (config.api.permissions) and `tags`; see config.api.views.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from config.api.dialects import ORGANIZATION
from config.api.pagination import OffsetPagination
from config.api.views import ApiViewMixin
from config.errors import Forbidden
from organizations.access import REQUESTER_HEADER, TARGET_HEADER, Access, Scenario, access_resolve, caller_for_request
from organizations.models import Organization
from organizations.selectors import get_or_404

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


class ScopedLookupMixin(ApiViewMixin):
    """Detail routes (`<uuid:pk>`) find their object only in `get_queryset()`, which is scoped to the organization
    the request addresses: another tenant's ids answer 404 like unknown ones."""

    lookup_value_converter = "uuid"

    def get_object(self):
        return get_or_404(self.get_queryset(), pk=self.kwargs["pk"])


# --- organization API -----------------------------------------------------------------------------------------


class OrganizationDialectMixin(ScopedLookupMixin):
    dialect = ORGANIZATION
    pagination_class = OffsetPagination
    tags = ["Organizations"]


class OrganizationScopedMixin(OrganizationDialectMixin):
    allowed_scenarios: frozenset[Scenario] = frozenset({Scenario.SELF})
    schema_parameters = ORGANIZATION_HEADERS
    access: Access

    def resolve_context(self, request, **kwargs) -> frozenset[str]:
        self.access = access_resolve(caller=caller_for_request(request), headers=request.headers)
        if self.access.scenario not in self.allowed_scenarios:
            raise Forbidden(f"This operation is not allowed in the {self.access.scenario.value} scenario.")
        return self.access.permissions

    @property
    def target(self) -> Organization:
        """The organization whose resources this request addresses (`Target-Organization-ID`)."""
        return self.access.target

    @property
    def actor_role(self) -> str | None:
        """The caller's role in the requester organization (None for API clients)."""
        return caller_for_request(self.request).role_in(self.access.requester.pk)


class OrganizationViewSet(OrganizationScopedMixin, GenericViewSet):
    pass


class OrganizationAPIView(OrganizationScopedMixin, APIView):
    pass


class OrganizationUnscopedViewSet(OrganizationDialectMixin, GenericViewSet):
    pass


class OrganizationUnscopedAPIView(OrganizationDialectMixin, APIView):
    pass
