from django.contrib.auth import views as auth_views
from django.urls import path

from organizations import views

# Only the account pages the product offers (no password reset by email yet), with our templates.
account_urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    *account_urlpatterns,
    path("", views.home, name="home"),
    path("organizations/switch", views.organization_switch, name="organization-switch"),
    path("organizations/api-clients", views.ApiClientListView.as_view(), name="org-api-clients"),
    path("organizations/api-clients/<uuid:pk>/revoke", views.api_client_revoke, name="org-api-client-revoke"),
    path("organizations/signing-keys", views.SigningKeyListView.as_view(), name="org-signing-keys"),
    path(
        "organizations/signing-keys/<uuid:pk>/deactivate",
        views.signing_key_deactivate,
        name="org-signing-key-deactivate",
    ),
    path(
        "organizations/signing-keys/custodial/enable",
        views.CustodialKeyEnableView.as_view(),
        name="org-custodial-key-enable",
    ),
    path("organizations/signing-keys/custodial/disable", views.custodial_key_disable, name="org-custodial-key-disable"),
    path("organizations/members", views.MemberListView.as_view(), name="org-members"),
    path("organizations/members/<uuid:pk>/role", views.MemberRoleView.as_view(), name="org-member-role"),
    path("organizations/members/<uuid:pk>/remove", views.member_remove, name="org-member-remove"),
]
