from django.urls import path
from rest_framework.routers import SimpleRouter

from organizations.api import invitation_views, partner_views, views
from organizations.api.partner_import import PartnerImportView

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("organizations", views.OrganizationListViewSet, basename="api-organization")
router.register("members", views.MemberViewSet, basename="api-member")
router.register("api-clients", views.ApiClientViewSet, basename="api-client")
router.register("signing-keys", views.SigningKeyViewSet, basename="api-signing-key")
router.register("partners", partner_views.PartnerViewSet, basename="api-partner")
router.register("guest-invitations", invitation_views.GuestInvitationViewSet, basename="api-guest-invitation")
router.register("member-invitations", invitation_views.MemberInvitationViewSet, basename="api-member-invitation")
router.register("guest-connections", invitation_views.GuestConnectionViewSet, basename="api-guest-connection")
router.register("host-connections", invitation_views.HostConnectionViewSet, basename="api-host-connection")

urlpatterns = [
    path("oauth2/token", views.ClientTokenView.as_view(), name="api-oauth2-token"),
    path("auth/token", views.UserTokenView.as_view(), name="api-auth-token"),
    path("organization", views.OrganizationDetailView.as_view(), name="api-organization-detail"),
    path("partners/import", PartnerImportView.as_view(), name="api-partner-import"),
    path("partners/<uuid:pk>/invite", invitation_views.PartnerInviteView.as_view(), name="api-partner-invite"),
    *router.urls,
]
