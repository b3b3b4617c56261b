from django.urls import path
from rest_framework.routers import SimpleRouter

from organizations.api import views

router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("organizations", views.OrganizationListViewSet, basename="api-organization")
router.register("members", views.MemberViewSet, basename="api-member")
router.register("api-clients", views.ApiClientViewSet, basename="api-client")
router.register("signing-keys", views.SigningKeyViewSet, basename="api-signing-key")

urlpatterns = [
    path("oauth2/token", views.ClientTokenView.as_view(), name="api-oauth2-token"),
    path("client/constants", views.ClientConstantsView.as_view(), name="api-client-constants"),
    path("auth/token", views.UserTokenView.as_view(), name="api-auth-token"),
    path("organization", views.OrganizationDetailView.as_view(), name="api-organization-detail"),
    *router.urls,
]
