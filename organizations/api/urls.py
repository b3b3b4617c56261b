from django.urls import path

from organizations.api import views

urlpatterns = [
    path("oauth2/token", views.ClientTokenView.as_view(), name="api-oauth2-token"),
    path("auth/token", views.UserTokenView.as_view(), name="api-auth-token"),
    path("organizations", views.OrganizationListView.as_view(), name="api-organization-list"),
    path("organization", views.OrganizationDetailView.as_view(), name="api-organization-detail"),
    path("members", views.MemberListView.as_view(), name="api-member-list"),
    path("members/<uuid:member_id>", views.MemberDetailView.as_view(), name="api-member-detail"),
    path("api-clients", views.ApiClientListView.as_view(), name="api-client-list"),
    path("api-clients/<uuid:client_pk>", views.ApiClientDetailView.as_view(), name="api-client-detail"),
    path("signing-keys", views.SigningKeyListView.as_view(), name="api-signing-key-list"),
    path(
        "signing-keys/<uuid:key_pk>/deactivate",
        views.SigningKeyDeactivateView.as_view(),
        name="api-signing-key-deactivate",
    ),
]
