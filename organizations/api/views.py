"""Organization API (`/api/v1/...`): tokens, organizations, members, API clients, signing keys.

Thin: validate, one service or selector call, serialize. Every object lookup goes through a queryset scoped to
the addressed organization, so another tenant's ids answer 404.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.pagination import OffsetPage
from config.api.parsers import JSONParser
from config.api.schema import organization_errors
from config.api.throttling import InstallationRateThrottle
from organizations import selectors, services
from organizations.access import Scenario, caller_for_request
from organizations.api import serializers as s
from organizations.api.base import ORGANIZATION_HEADERS, OrganizationAPIView
from organizations.models import Organization, PermissionCode
from organizations.throttling import CredentialsRateThrottle
from organizations.tokens import IssuedToken

TAG_AUTH = "Authentication"
TAG_ORG = "Organizations"
MANAGE = PermissionCode.MANAGE_ORGANIZATION
LIST_PARAMS_DOC = "Paginated with `limit` (1..100, default 50) and `offset`."


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def page_response(request, queryset, output_class) -> Response:
    page = OffsetPage.from_request(request, queryset)
    return Response({"items": output_class(page.items, many=True).data, "total_items": page.total_items})


def token_response(token: IssuedToken) -> Response:
    body = {"access_token": token.access_token, "token_type": token.token_type, "expires_in": token.expires_in}
    return Response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# Anonymous callers: a strict per-IP limit against credential guessing, then the installation ceiling.
CREDENTIAL_THROTTLES = [CredentialsRateThrottle, InstallationRateThrottle]


class ClientTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = CREDENTIAL_THROTTLES
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        tags=[TAG_AUTH],
        summary="Exchange API client credentials for an access token",
        request=s.ClientCredentialsInput,
        responses={200: s.TokenOutput, **organization_errors(422)},
        auth=[],
    )
    def post(self, request):
        data = validated(s.ClientCredentialsInput, request.data)
        return token_response(
            services.token_for_client_credentials(client_id=data["client_id"], client_secret=data["client_secret"])
        )


class UserTokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = CREDENTIAL_THROTTLES

    @extend_schema(
        tags=[TAG_AUTH],
        summary="Exchange a username and password for an access token (for scripts)",
        request=s.UserCredentialsInput,
        responses={200: s.TokenOutput, **organization_errors(422)},
        auth=[],
    )
    def post(self, request):
        data = validated(s.UserCredentialsInput, request.data)
        return token_response(
            services.token_for_user_credentials(
                username=data["username"], password=data["password"], organization_id=data.get("organization_id")
            )
        )


class OrganizationListView(APIView):
    @extend_schema(
        tags=[TAG_ORG],
        operation_id="organizations_list",
        summary="List the organizations the caller belongs to",
        description=LIST_PARAMS_DOC,
        responses={200: s.OrganizationListOutput, **organization_errors(422)},
    )
    def get(self, request):
        caller = caller_for_request(request)
        if caller.bound_organization_id is not None:
            queryset = Organization.objects.filter(pk=caller.bound_organization_id).order_by("name", "id")
        else:
            queryset = selectors.organization_list_for_user(user=caller.user)
        return page_response(request, queryset, s.OrganizationOutput)


class OrganizationDetailView(OrganizationAPIView):
    allowed_scenarios = frozenset({Scenario.SELF, Scenario.HOST, Scenario.GUEST})

    @extend_schema(
        tags=[TAG_ORG],
        summary="Get the target organization",
        parameters=ORGANIZATION_HEADERS,
        responses={200: s.OrganizationWithScenarioOutput, **organization_errors(403, 422)},
    )
    def get(self, request):
        organization = self.access.target
        organization.scenario = self.access.scenario.value
        return Response(s.OrganizationWithScenarioOutput(organization).data)


class MemberListView(OrganizationAPIView):
    required_permissions = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(
        tags=[TAG_ORG],
        operation_id="members_list",
        summary="List members",
        description=LIST_PARAMS_DOC,
        parameters=ORGANIZATION_HEADERS,
        responses={200: s.MemberListOutput, **organization_errors(403, 422)},
    )
    def get(self, request):
        return page_response(request, selectors.membership_list(organization=self.target), s.MemberOutput)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Add an existing user as a member",
        parameters=ORGANIZATION_HEADERS,
        request=s.MemberCreateInput,
        responses={201: s.MemberOutput, **organization_errors(403, 409, 422)},
    )
    def post(self, request):
        data = validated(s.MemberCreateInput, request.data)
        membership = services.member_add(
            organization=self.target, identifier=data["identifier"], role=data["role"], actor_role=self.actor_role
        )
        return Response(s.MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(OrganizationAPIView):
    required_permissions = {"PATCH": MANAGE, "DELETE": MANAGE}

    def get_membership(self, member_id):
        return selectors.get_or_404(selectors.membership_list(organization=self.target), pk=member_id)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Change a member's role",
        parameters=ORGANIZATION_HEADERS,
        request=s.MemberUpdateInput,
        responses={200: s.MemberOutput, **organization_errors(403, 404, 422)},
    )
    def patch(self, request, member_id):
        membership = self.get_membership(member_id)
        data = validated(s.MemberUpdateInput, request.data)
        membership = services.membership_change_role(
            membership=membership, role=data["role"], actor_role=self.actor_role
        )
        return Response(s.MemberOutput(membership).data)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Remove a member",
        parameters=ORGANIZATION_HEADERS,
        request=None,
        responses={204: OpenApiResponse(description="Removed"), **organization_errors(403, 404, 422)},
    )
    def delete(self, request, member_id):
        services.membership_delete(membership=self.get_membership(member_id), actor_role=self.actor_role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiClientListView(OrganizationAPIView):
    required_permissions = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(
        tags=[TAG_ORG],
        operation_id="api_clients_list",
        summary="List API clients",
        description=LIST_PARAMS_DOC,
        parameters=ORGANIZATION_HEADERS,
        responses={200: s.ApiClientListOutput, **organization_errors(403, 422)},
    )
    def get(self, request):
        return page_response(request, selectors.api_client_list(organization=self.target), s.ApiClientOutput)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Create an API client (the secret is in this response only)",
        parameters=ORGANIZATION_HEADERS,
        request=s.ApiClientCreateInput,
        responses={201: s.ApiClientCreatedOutput, **organization_errors(403, 422)},
    )
    def post(self, request):
        data = validated(s.ApiClientCreateInput, request.data)
        api_client, secret = services.api_client_create(
            organization=self.target,
            name=data["name"],
            permissions=data["permissions"],
            rate_limit_per_minute=data.get("rate_limit_per_minute"),
            grantor_permissions=self.access.permissions,
            created_by=request.user if getattr(request.user, "pk", None) else None,
        )
        body = s.ApiClientCreatedOutput(api_client, context={"client_secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class ApiClientDetailView(OrganizationAPIView):
    required_permissions = {"GET": MANAGE, "DELETE": MANAGE}

    def get_api_client(self, client_pk):
        return selectors.get_or_404(selectors.api_client_list(organization=self.target), pk=client_pk)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Get an API client",
        parameters=ORGANIZATION_HEADERS,
        responses={200: s.ApiClientOutput, **organization_errors(403, 404, 422)},
    )
    def get(self, request, client_pk):
        return Response(s.ApiClientOutput(self.get_api_client(client_pk)).data)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Revoke an API client (its tokens stop working at once)",
        parameters=ORGANIZATION_HEADERS,
        request=None,
        responses={204: OpenApiResponse(description="Revoked"), **organization_errors(403, 404, 422)},
    )
    def delete(self, request, client_pk):
        services.api_client_revoke(api_client=self.get_api_client(client_pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SigningKeyListView(OrganizationAPIView):
    required_permissions = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(
        tags=[TAG_ORG],
        operation_id="signing_keys_list",
        summary="List signing keys",
        description=LIST_PARAMS_DOC,
        parameters=ORGANIZATION_HEADERS,
        responses={200: s.SigningKeyListOutput, **organization_errors(403, 422)},
    )
    def get(self, request):
        return page_response(request, selectors.signing_key_list(organization=self.target), s.SigningKeyOutput)

    @extend_schema(
        tags=[TAG_ORG],
        summary="Register a signing key (compressed public key hex or xpub)",
        parameters=ORGANIZATION_HEADERS,
        request=s.SigningKeyCreateInput,
        responses={201: s.SigningKeyOutput, **organization_errors(403, 409, 422)},
    )
    def post(self, request):
        data = validated(s.SigningKeyCreateInput, request.data)
        key = services.signing_key_create(
            organization=self.target,
            label=data["label"],
            public_key=data["public_key"],
            created_by=request.user if getattr(request.user, "pk", None) else None,
        )
        return Response(s.SigningKeyOutput(key).data, status=status.HTTP_201_CREATED)


class SigningKeyDeactivateView(OrganizationAPIView):
    required_permissions = {"POST": MANAGE}

    @extend_schema(
        tags=[TAG_ORG],
        summary="Deactivate a signing key",
        parameters=ORGANIZATION_HEADERS,
        request=None,
        responses={200: s.SigningKeyOutput, **organization_errors(403, 404, 422)},
    )
    def post(self, request, key_pk):
        key = selectors.get_or_404(selectors.signing_key_list(organization=self.target), pk=key_pk)
        return Response(s.SigningKeyOutput(services.signing_key_deactivate(signing_key=key)).data)
