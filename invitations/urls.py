"""The invitation and connection pages' URLs (mounted at the site root by config.urls)."""

from django.urls import path

from invitations import views

urlpatterns = [
    path("partners/<uuid:pk>/invite", views.partner_invite_view, name="partner-invite"),
    path("organizations/invitations", views.InvitationListView.as_view(), name="org-invitations"),
    path("organizations/invitations/<uuid:pk>/resend", views.invitation_resend, name="org-invitation-resend"),
    path("organizations/connections", views.connection_list, name="org-connections"),
    path(
        "organizations/connections/<uuid:guest_org_id>/archive",
        views.connection_archive,
        name="org-connection-archive",
    ),
    path("invitations/accept/<str:token>", views.invitation_accept, name="invitation-accept"),
    path(
        "invitations/accept/<str:token>/sign-up",
        views.InvitationSignUpView.as_view(),
        name="invitation-sign-up",
    ),
]
