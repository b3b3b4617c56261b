"""The network API's edge (`/api/network/v1/enterprises/{enterpriseId}/...`, camelCase, 400 validation,
`{"<key>": [...]}`): the base views every network view of partners and allocations is built on.

- `NetworkEnterpriseViewSet` / `NetworkEnterpriseAPIView`: the caller must belong to `{enterpriseId}` (401
  otherwise, as the reference says); `required_license` makes the enterprise's license a requirement (403);
  `self.enterprise` is the enterprise. List keys: `pagination_class = network_pagination("partners")`.
- `LicensedNetworkMixin`: the network license and the network permissions (`NETWORK_RULE`: READ_NETWORK to read,
  WRITE_NETWORK to write), which every view of the network API needs.
- `ERRORS`: the network dialect's error responses for the schema (`responses={404: ERRORS[404]}`).

Object lookups are scoped to the enterprise (organizations.api.base.ScopedLookupMixin): another enterprise's ids
answer 404. Subclasses declare `tags` (and `permission_rule` when it is not NETWORK_RULE); see config.api.views.
"""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from config.api.dialects import NETWORK
from config.api.pagination import network_pagination
from config.api.permissions import PerMethod
from config.api.schema import error_response
from config.errors import ValidationFailed
from organizations.access import caller_for_request
from organizations.api.base import ScopedLookupMixin
from organizations.errors import LicenseRequired, NotAMember
from organizations.models import LicenseProduct, Organization, PermissionCode
from organizations.selectors import organization_has_license

ENTERPRISE_PATH_PARAMETER = OpenApiParameter(
    "enterpriseId", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The enterprise (organization) id."
)
NETWORK_RULE = PerMethod(
    GET=PermissionCode.READ_NETWORK, POST=PermissionCode.WRITE_NETWORK, PUT=PermissionCode.WRITE_NETWORK
)
# The reference's `domain` field: "the domain name of the API server that processed the request".
NETWORK_DOMAIN = "bitgo-network"
ERRORS = {status: error_response(NETWORK, status) for status in (404, 409, 422)}


class NetworkEnterpriseMixin(ScopedLookupMixin):
    dialect = NETWORK
    get_body_parameters = True  # the reference SDK sends a read's filters as a JSON body (config.api.query)
    pagination_class = network_pagination("items")
    schema_parameters = [ENTERPRISE_PATH_PARAMETER]
    required_license: str | None = None  # a LicenseProduct the enterprise must hold
    enterprise: Organization

    def resolve_context(self, request, **kwargs) -> frozenset[str]:
        try:
            enterprise_id = uuid.UUID(str(kwargs.get("enterpriseId", "")))
        except ValueError:
            raise ValidationFailed.single(
                "enterpriseId", "enterpriseId must be a UUID.", "invalid_uuid", source="path", wire_names=True
            ) from None
        caller = caller_for_request(request)
        permissions = caller.permissions_in(enterprise_id)
        if permissions is None:
            raise NotAMember()
        self.enterprise = caller.organization(enterprise_id)  # a token's organization is already loaded
        if self.required_license and not organization_has_license(
            organization=self.enterprise, product=self.required_license
        ):
            raise LicenseRequired()
        return permissions


class NetworkEnterpriseViewSet(NetworkEnterpriseMixin, GenericViewSet):
    pass


class NetworkEnterpriseAPIView(NetworkEnterpriseMixin, APIView):
    pass


class LicensedNetworkMixin:
    permission_rule = NETWORK_RULE
    required_license = LicenseProduct.NETWORK
