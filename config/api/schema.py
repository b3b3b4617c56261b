"""OpenAPI defaults per dialect: the documented error bodies, and an AutoSchema that adds to every operation its
view's tags and shared parameters, the list query parameters (paginator and filter serializer) and the standard
error responses of the view's dialect, so that actions declare only what is their own."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from config.api.dialects import NETWORK, ORGANIZATION, SERVITLY, Dialect
from config.api.views import ApiViewMixin


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


class ServitlyErrorOutput(serializers.Serializer):
    message = serializers.CharField(help_text="The error response.")


_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Not authenticated (missing, wrong, expired or revoked credentials)",
    403: "Permission denied",
    404: "Not found",
    406: "Not acceptable (the Accept header allows no JSON answer)",
    409: "Conflict",
    413: "Request body too large",
    422: "Validation error",
    429: "Rate limit exceeded (see Retry-After)",
    500: "Internal server error",
}


_ERROR_OUTPUTS = {
    NETWORK.name: NetworkErrorOutput,
    ORGANIZATION.name: OrganizationErrorOutput,
    SERVITLY.name: ServitlyErrorOutput,
}


def error_response(dialect: Dialect, status: int, description: str | None = None) -> OpenApiResponse:
    """An error response of `dialect` for `@extend_schema(responses=...)`: `{409: error_response(NETWORK, 409)}`."""
    return OpenApiResponse(_ERROR_OUTPUTS[dialect.name], description=description or _DESCRIPTIONS[status])


class DialectAutoSchema(AutoSchema):
    """Reads the view's `tags`, `schema_parameters`, `filter_serializer`, paginator and dialect (config.api.views)."""

    def get_tags(self) -> list[str]:
        return list(getattr(self.view, "tags", None) or super().get_tags())

    def get_override_parameters(self) -> list:
        parameters = [*getattr(self.view, "schema_parameters", []), *super().get_override_parameters()]
        if self._is_list_view():
            paginator = self._get_paginator()
            for serializer in (
                getattr(paginator, "query_serializer", None),
                getattr(self.view, "filter_serializer", None),
            ):
                if serializer is not None:
                    parameters.append(serializer)
        return parameters

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        dialect = getattr(self.view, "dialect", None)
        if dialect is None or direction != "response":
            return responses
        for status in self._standard_error_statuses(dialect):
            responses.setdefault(str(status), self._get_response_for_code(error_response(dialect, status), str(status)))
        return dict(sorted(responses.items()))

    def _standard_error_statuses(self, dialect) -> list[int]:
        """Malformed input, and the failures any operation of the view can meet."""
        view, rule = self.view, getattr(self.view, "permission_rule", None)
        # 406: every operation answers JSON only, so an Accept header that rules JSON out is refused before anything.
        statuses = [dialect.validation_status, 401, 406, 429, 500]
        addresses_organization = type(view).resolve_context is not ApiViewMixin.resolve_context
        if rule is not None and (rule.codes() or addresses_organization):
            statuses.append(403)  # a permission code, or an organization the caller may not address
        if getattr(view, "detail", False) or any(p in self.path for p in ("{pk}", "{id}")):
            statuses.append(404)
        return statuses
