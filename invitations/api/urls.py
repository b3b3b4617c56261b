"""The organization API's invitations and connections (/api/v1/...), mounted by config.urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from invitations.api import views

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("guest-invitations", views.GuestInvitationViewSet, basename="api-guest-invitation")
router.register("member-invitations", views.MemberInvitationViewSet, basename="api-member-invitation")
router.register("guest-connections", views.GuestConnectionViewSet, basename="api-guest-connection")
router.register("host-connections", views.HostConnectionViewSet, basename="api-host-connection")

urlpatterns = [
    path("partners/<uuid:pk>/invite", views.PartnerInviteView.as_view(), name="api-partner-invite"),
    *router.urls,
]
