"""Organization API (`/api/v1/...`): tokens, organizations, members, API clients, signing keys.

Thin: validate, one service or selector call, serialize. The dialect, the permission rule, tags, organization
headers and standard errors come from the base classes (organizations.api.base, config.api.views); an action
declares only its own summary, body and success response. Every object lookup goes through a queryset scoped to
the addressed organization, so another tenant's ids answer 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from config.api.parsers import JSONParser
from config.api.permissions import AUTHENTICATED, PUBLIC, Always
from config.api.schema import error_response
from config.api.throttling import InstallationRateThrottle
from organizations import selectors, services, signing
from organizations.access import Scenario, caller_for_request
from organizations.api import serializers as s
from organizations.api.base import (
    ORGANIZATION,
    OrganizationAPIView,
    OrganizationUnscopedAPIView,
    OrganizationUnscopedViewSet,
    OrganizationViewSet,
)
from organizations.models import Organization, PermissionCode
from organizations.throttling import CredentialsRateThrottle
from organizations.tokens import IssuedToken

MANAGE = Always(PermissionCode.MANAGE_ORGANIZATION)
CONFLICT = {409: error_response(ORGANIZATION, 409)}


def _creator(request):
    """The user behind the request, for `created_by` (None for an API client)."""
    return request.user if getattr(request.user, "pk", None) else None


# --- tokens ---------------------------------------------------------------------------------------------------


class TokenView(OrganizationUnscopedAPIView):
    """Anonymous callers: a strict per-IP limit against credential guessing, then the installation ceiling (which
    counts only what the per-IP limit let through)."""

    permission_rule = PUBLIC
    authentication_classes: list = []
    throttle_classes = [CredentialsRateThrottle, InstallationRateThrottle]
    tags = ["Authentication"]

    @staticmethod
    def token_response(token: IssuedToken) -> Response:
        body = {"access_token": token.access_token, "token_type": token.token_type, "expires_in": token.expires_in}
        return Response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


class ClientConstantsView(OrganizationUnscopedAPIView):
    """What BitGo's SDK asks for when it is constructed (`GET /api/v1/client/constants`, anonymous; without an answer
    it logs a warning). This network serves no client constants: an empty object."""

    permission_rule = PUBLIC
    authentication_classes: list = []
    throttle_classes = [InstallationRateThrottle]
    tags = ["Client"]

    @extend_schema(summary="The constants the SDK loads (none here)", responses={200: s.ClientConstantsOutput}, auth=[])
    def get(self, request):
        return Response({"constants": {}})


class ClientTokenView(TokenView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="Exchange API client credentials for an access token",
        request=s.ClientCredentialsInput,
        responses={200: s.TokenOutput},
        auth=[],
    )
    def post(self, request):
        data = self.validated(s.ClientCredentialsInput)
        return self.token_response(
            services.token_for_client_credentials(client_id=data["client_id"], client_secret=data["client_secret"])
        )


class UserTokenView(TokenView):
    @extend_schema(
        summary="Exchange a username and password for an access token (for scripts)",
        request=s.UserCredentialsInput,
        responses={200: s.TokenOutput},
        auth=[],
    )
    def post(self, request):
        data = self.validated(s.UserCredentialsInput)
        return self.token_response(
            services.token_for_user_credentials(
                username=data["username"], password=data["password"], organization_id=data.get("organization_id")
            )
        )


# --- organizations --------------------------------------------------------------------------------------------


class OrganizationListViewSet(ListModelMixin, OrganizationUnscopedViewSet):
    """The organizations the caller belongs to (a token's one organization)."""

    permission_rule = AUTHENTICATED
    serializer_class = s.OrganizationOutput

    def get_queryset(self):
        caller = caller_for_request(self.request)
        if caller.bound_organization_id is not None:
            return Organization.objects.filter(pk=caller.bound_organization_id).order_by("name", "id")
        return selectors.organization_list_for_user(user=caller.user)


class OrganizationDetailView(OrganizationAPIView):
    permission_rule = AUTHENTICATED
    allowed_scenarios = frozenset({Scenario.SELF, Scenario.HOST, Scenario.GUEST})

    @extend_schema(summary="Get the target organization", responses=s.OrganizationWithScenarioOutput)
    def get(self, request):
        organization = self.target
        organization.scenario = self.access.scenario.value
        return Response(s.OrganizationWithScenarioOutput(organization).data)


# --- members, API clients, signing keys -----------------------------------------------------------------------


class MemberViewSet(ListModelMixin, OrganizationViewSet):
    """Members join by invitation only (`/api/v1/member-invitations`): nobody is added without accepting."""

    permission_rule = MANAGE
    serializer_class = s.MemberOutput
    tags = ["Members"]

    def get_queryset(self):
        return selectors.membership_list(organization=self.target)

    @extend_schema(summary="Change a member's role", request=s.MemberUpdateInput, responses=s.MemberOutput)
    def partial_update(self, request, pk):
        membership = self.get_object()
        data = self.validated(s.MemberUpdateInput)
        membership = services.membership_change_role(
            membership=membership, role=data["role"], actor_role=self.actor_role
        )
        return Response(s.MemberOutput(membership).data)

    @extend_schema(summary="Remove a member", request=None, responses={204: None})
    def destroy(self, request, pk):
        services.membership_delete(membership=self.get_object(), actor_role=self.actor_role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiClientViewSet(ListModelMixin, RetrieveModelMixin, OrganizationViewSet):
    permission_rule = MANAGE
    serializer_class = s.ApiClientOutput
    tags = ["API clients"]

    def get_queryset(self):
        return selectors.api_client_list(organization=self.target)

    @extend_schema(
        summary="Create an API client (the secret is in this response only)",
        request=s.ApiClientCreateInput,
        responses={201: s.ApiClientCreatedOutput},
    )
    def create(self, request):
        data = self.validated(s.ApiClientCreateInput)
        api_client, secret = services.api_client_create(
            organization=self.target, grantor_permissions=self.access.permissions, created_by=_creator(request), **data
        )
        body = s.ApiClientCreatedOutput(api_client, context={"client_secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(
        summary="Revoke an API client (its tokens stop working at once)", request=None, responses={204: None}
    )
    def destroy(self, request, pk):
        services.api_client_revoke(api_client=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SigningKeyViewSet(ListModelMixin, OrganizationViewSet):
    permission_rule = MANAGE
    serializer_class = s.SigningKeyOutput
    tags = ["Signing keys"]

    def get_queryset(self):
        return selectors.signing_key_list(organization=self.target)

    @extend_schema(
        summary="Register a signing key (compressed public key hex or xpub), with its signature over a challenge",
        request=s.SigningKeyCreateInput,
        responses={201: s.SigningKeyOutput, **CONFLICT},
    )
    def create(self, request):
        data = self.validated(s.SigningKeyCreateInput)
        return self.created(services.signing_key_create(organization=self.target, created_by=_creator(request), **data))

    @extend_schema(
        summary="Get a challenge to sign with a key before registering it (proof of possession)",
        responses=s.SigningKeyChallengeOutput,
    )
    @action(detail=False, methods=["get"])
    def challenge(self, request):
        challenge, expires_at = signing.key_challenge_issue(self.target.pk)
        body = s.SigningKeyChallengeOutput({"challenge": challenge, "expires_at": expires_at}).data
        return Response(body, headers={"Cache-Control": "no-store"})

    @extend_schema(summary="Deactivate a signing key", request=None, responses=s.SigningKeyOutput)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk):
        return Response(
            s.SigningKeyOutput(
                services.signing_key_deactivate(signing_key=self.get_object(), actor_role=self.actor_role)
            ).data
        )
