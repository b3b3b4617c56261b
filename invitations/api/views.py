"""Organization API: guest and member invitations, inviting a partner record, and organization connections.

Self scenario only. Thin: validate, one service or selector call (invitations.services, invitations.selectors),
serialize. Lookups go through querysets scoped to the addressed organization, so another tenant's ids answer 404.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from config.api.permissions import Always, PerMethod
from config.api.schema import error_response
from invitations import selectors, services
from invitations.api import serializers as s
from invitations.models import InvitationKind
from organizations.api.base import ORGANIZATION, OrganizationAPIView, OrganizationViewSet
from organizations.models import PermissionCode
from organizations.selectors import get_or_404

CONFLICT = {409: error_response(ORGANIZATION, 409)}
REFUSED = {409: error_response(ORGANIZATION, 409), 422: error_response(ORGANIZATION, 422)}


def _inviter(request):
    """The user behind the request, for `invited_by` (None for an API client)."""
    return request.user if getattr(request.user, "pk", None) else None


INVITATION = PerMethod(GET=PermissionCode.READ_INVITATION, POST=PermissionCode.WRITE_INVITATION)


class _InvitationViewSet(ListModelMixin, RetrieveModelMixin, OrganizationViewSet):
    permission_rule = INVITATION
    kind: str
    filter_serializer = s.InvitationListQuery
    tags = ["Invitations"]

    def get_queryset(self):
        filters = self.query() if self.action == "list" else {}
        return selectors.invitation_list(organization=self.target, kind=self.kind, **filters)

    def resend(self, request, pk):
        invitation = services.invitation_resend(invitation=self.get_object())
        return Response(self.get_serializer(invitation).data)


@extend_schema_view(
    list=extend_schema(summary="List guest invitations"),
    retrieve=extend_schema(summary="Get a guest invitation"),
)
class GuestInvitationViewSet(_InvitationViewSet):
    permission_rule = INVITATION
    serializer_class = s.GuestInvitationOutput
    kind = InvitationKind.GUEST

    @extend_schema(
        summary="Invite an email address to connect as a guest organization (the email is sent in the background)",
        request=s.GuestInvitationCreateInput,
        responses={201: s.GuestInvitationOutput},
    )
    def create(self, request):
        data = self.validated(s.GuestInvitationCreateInput)
        invitation = services.guest_invitation_create(
            organization=self.target,
            email=data["email"],
            expired_at=data["expired_at"],
            parent_organization=data.get("parent_organization_id"),
            invited_by=_inviter(request),
        )
        return self.created(invitation)

    @extend_schema(
        summary="Send the invitation again, with a new link (409 once accepted or expired)",
        request=None,
        responses={200: s.GuestInvitationOutput, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk):
        return super().resend(request, pk)


@extend_schema_view(
    list=extend_schema(summary="List member invitations"),
    retrieve=extend_schema(summary="Get a member invitation"),
)
class MemberInvitationViewSet(_InvitationViewSet):
    permission_rule = Always(PermissionCode.MANAGE_ORGANIZATION)
    serializer_class = s.MemberInvitationOutput
    kind = InvitationKind.MEMBER
    tags = ["Members"]

    @extend_schema(
        summary="Invite an email address to join as a member (the same answer whether or not it has an account)",
        request=s.MemberInvitationCreateInput,
        responses={201: s.MemberInvitationOutput},
    )
    def create(self, request):
        data = self.validated(s.MemberInvitationCreateInput)
        invitation = services.member_invitation_create(
            organization=self.target, actor_role=self.actor_role, invited_by=_inviter(request), **data
        )
        return self.created(invitation)

    @extend_schema(
        summary="Send the member invitation again, with a new link (409 once accepted or expired)",
        request=None,
        responses={200: s.MemberInvitationOutput, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk):
        return super().resend(request, pk)


class PartnerInviteView(OrganizationAPIView):
    permission_rule = PerMethod(POST=PermissionCode.WRITE_INVITATION)
    tags = ["Invitations"]

    @extend_schema(
        summary="Invite a partner record's email as a guest organization (its invitation_status becomes invited)",
        request=s.PartnerInviteInput,
        responses={201: s.GuestInvitationOutput, **REFUSED},
    )
    def post(self, request, pk):
        data = self.validated(s.PartnerInviteInput)
        partner = get_or_404(selectors.partner_for_invitation(organization=self.target), pk=pk)
        invitation = services.partner_invite(partner=partner, invited_by=_inviter(request), **data)
        return Response(s.GuestInvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class _ConnectionViewSet(ListModelMixin, RetrieveModelMixin, OrganizationViewSet):
    permission_rule = PerMethod(GET=PermissionCode.READ_INVITATION, PATCH=PermissionCode.WRITE_INVITATION)
    filter_serializer = s.ConnectionListQuery
    tags = ["Connections"]

    def connections(self, **filters):
        raise NotImplementedError

    def get_queryset(self):
        return self.connections(**(self.query() if self.action == "list" else {}))


@extend_schema_view(
    list=extend_schema(summary="List the organization's guest organizations (it is their host)"),
    retrieve=extend_schema(summary="Get the connection to one guest organization"),
)
class GuestConnectionViewSet(_ConnectionViewSet):
    serializer_class = s.GuestConnectionOutput
    lookup_url_kwarg = "guest_org_id"

    def connections(self, **filters):
        return selectors.guest_connection_list(organization=self.target, **filters)

    def get_object(self):
        return get_or_404(self.get_queryset(), guest_id=self.kwargs["guest_org_id"])

    @extend_schema(
        summary="Archive or restore the connection to a guest organization",
        request=s.GuestConnectionUpdateInput,
        responses=s.GuestConnectionOutput,
    )
    def partial_update(self, request, guest_org_id):
        data = self.validated(s.GuestConnectionUpdateInput)
        connection = self.get_object()
        connection = services.organization_connection_archive(connection=connection, archived=data["archived"])
        return Response(s.GuestConnectionOutput(connection).data)


@extend_schema_view(
    list=extend_schema(summary="List the organizations that host this one (it is their guest)"),
    retrieve=extend_schema(summary="Get the connection to one host organization"),
)
class HostConnectionViewSet(_ConnectionViewSet):
    permission_rule = PerMethod(GET=PermissionCode.READ_INVITATION)
    serializer_class = s.HostConnectionOutput
    lookup_url_kwarg = "host_org_id"

    def connections(self, **filters):
        return selectors.host_connection_list(organization=self.target, **filters)

    def get_object(self):
        return get_or_404(self.get_queryset(), host_id=self.kwargs["host_org_id"])
