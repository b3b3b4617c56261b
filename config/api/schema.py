"""OpenAPI pieces shared by both dialects: documented error bodies."""

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


class NetworkErrorDetailOutput(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()


class NetworkErrorOutput(serializers.Serializer):
    error = serializers.CharField()
    name = serializers.CharField()
    requestId = serializers.CharField()
    details = NetworkErrorDetailOutput(many=True, required=False)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class LocPartField(serializers.Field):
    """A step of an error location: a field name, or the index of an item in a list."""

    def to_representation(self, value):
        return value


class OrganizationErrorItemOutput(serializers.Serializer):
    loc = serializers.ListField(child=LocPartField())
    msg = serializers.CharField()
    type = serializers.CharField()
    code = serializers.CharField()


class OrganizationErrorOutput(serializers.Serializer):
    detail = OrganizationErrorItemOutput(many=True)


_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Not authenticated (missing, wrong, expired or revoked credentials)",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict",
    422: "Validation error",
    429: "Rate limit exceeded (see Retry-After)",
    500: "Internal server error",
}


def network_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {s: OpenApiResponse(NetworkErrorOutput, description=_DESCRIPTIONS[s]) for s in (*statuses, 401, 429, 500)}


def organization_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        s: OpenApiResponse(OrganizationErrorOutput, description=_DESCRIPTIONS[s]) for s in (*statuses, 401, 429, 500)
    }
