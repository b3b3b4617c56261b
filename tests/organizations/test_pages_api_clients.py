"""The API clients page: list, create (secret shown once, and it really works), revoke, permissions, scoping."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from config.errors import FieldError, Forbidden, ValidationFailed
from organizations import services
from organizations.models import ApiClient, PermissionCode, Role
from tests.factories.organizations import ApiClientFactory, MembershipFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = "/organizations/api-clients"
TOKEN_URL = "/api/v1/oauth2/token"
SECRET_RE = re.compile(r'<code id="new-client-secret">([^<]+)</code>')
CLIENT_ID_RE = re.compile(r'<code id="new-client-id">([^<]+)</code>')


@pytest.fixture
def manager(client):
    membership = MembershipFactory(role=Role.ADMIN, organization__name="Acme Trading")
    client.force_login(membership.user)
    return membership


def create(client, **data):
    body = {"name": "ERP sync", "permissions": [PermissionCode.READ_PARTNER, PermissionCode.WRITE_PARTNER]}
    body.update(data)
    return client.post(URL, body)


def test_page_lists_the_organizations_clients_only(client, manager):
    ApiClientFactory(organization=manager.organization, name="Billing export", client_id="pnc_billing")
    ApiClientFactory(name="Other org's client", client_id="pnc_other")

    response = client.get(URL)

    assert response.status_code == 200
    assert "Billing export" in response.text
    assert "<code>pnc_billing</code>" in response.text
    assert "Other org's client" not in response.text
    assert "pnc_other" not in response.text


def test_list_shows_permissions_status_and_last_used(client, manager):
    ApiClientFactory(
        organization=manager.organization,
        name="Reader",
        permissions=[PermissionCode.READ_PARTNER],
        last_used_at="2025-03-04T05:06:00Z",
    )
    ApiClientFactory(organization=manager.organization, name="Old", active=False, revoked_at="2025-01-02T03:04:00Z")

    page = client.get(URL).text

    assert '<span class="badge badge--perm">READ_PARTNER</span>' in page
    assert "2025-03-04 05:06 UTC" in page
    assert '<span class="badge badge--success">Active</span>' in page
    assert '<span class="badge badge--muted">Revoked</span>' in page
    assert '<span class="muted">Never</span>' in page  # the revoked one was never used


def test_create_shows_the_secret_once_and_stores_only_its_hash(client, manager, api):
    response = create(client, rate_limit_per_minute="120")

    assert response.status_code == 302
    assert response["Location"] == URL
    page = client.get(URL).text
    secret = SECRET_RE.search(page).group(1)
    client_id = CLIENT_ID_RE.search(page).group(1)
    assert "only time the secret is shown" in page
    assert "API client “ERP sync” created." in page

    api_client = ApiClient.objects.get(client_id=client_id)
    assert api_client.organization == manager.organization
    assert api_client.permissions == ["READ_PARTNER", "WRITE_PARTNER"]
    assert api_client.rate_limit_per_minute == 120
    assert api_client.created_by == manager.user
    assert secret not in api_client.secret_hash
    assert check_password(secret, api_client.secret_hash)

    again = client.get(URL).text
    assert secret not in again
    assert 'id="new-client-secret"' not in again
    assert client_id in again  # still listed, without its secret
    assert secret not in str(dict(client.session))


def test_the_page_with_the_secret_is_not_cached(client, manager):
    create(client)

    response = client.get(URL)

    assert "no-store" in response["Cache-Control"]


def test_the_shown_secret_gets_a_token_and_revoking_stops_it(client, manager, api):
    create(client)
    page = client.get(URL).text
    secret, client_id = SECRET_RE.search(page).group(1), CLIENT_ID_RE.search(page).group(1)

    token = api.post(TOKEN_URL, {"client_id": client_id, "client_secret": secret}, format="json")

    assert token.status_code == 200
    assert token.json()["access_token"]

    api_client = ApiClient.objects.get(client_id=client_id)
    response = client.post(reverse("org-api-client-revoke", args=[api_client.pk]), follow=True)

    assert response.status_code == 200
    assert "API client “ERP sync” revoked." in response.text
    assert '<span class="badge badge--muted">Revoked</span>' in response.text
    api_client.refresh_from_db()
    assert api_client.active is False
    refused = api.post(TOKEN_URL, {"client_id": client_id, "client_secret": secret}, format="json")
    assert refused.status_code == 401


def test_create_without_name_or_permissions_shows_inline_errors_and_keeps_the_values(client, manager):
    response = client.post(URL, {"name": "", "permissions": [], "rate_limit_per_minute": "77"})

    assert response.status_code == 200
    page = response.text
    assert '<div class="field-error" id="id_name_error"><p>This field is required.</p></div>' in page
    assert "Choose at least one permission." in page
    assert 'value="77"' in page
    assert not ApiClient.objects.exists()


def test_a_blank_name_is_refused_inline(client, manager):
    response = create(client, name="   ")

    assert response.status_code == 200
    assert '<div class="field-error" id="id_name_error"><p>This field is required.</p></div>' in response.text
    assert not ApiClient.objects.exists()


def test_checked_permissions_stay_checked_after_an_error(client, manager):
    response = client.post(URL, {"name": "", "permissions": [PermissionCode.READ_NETWORK]})

    assert re.search(r'<input type="checkbox" name="permissions" value="READ_NETWORK"[^>]* checked', response.text)
    assert not re.search(r'<input type="checkbox" name="permissions" value="READ_PARTNER"[^>]* checked', response.text)


def test_unknown_permission_is_refused_inline(client, manager):
    response = create(client, permissions=["BECOME_ROOT"])

    assert response.status_code == 200
    assert "Select a valid choice. BECOME_ROOT is not one of the available choices." in response.text
    assert not ApiClient.objects.exists()


def test_bad_rate_limit_is_refused_inline(client, manager):
    response = create(client, rate_limit_per_minute="0", name="Keep me")

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.text
    assert 'value="Keep me"' in response.text
    assert not ApiClient.objects.exists()


def test_a_rate_limit_above_the_installation_maximum_is_refused_inline(client, manager, settings):
    settings.API_CLIENT_MAX_RATE_LIMIT_PER_MINUTE = 50

    response = create(client, rate_limit_per_minute="51", name="Keep me")

    assert response.status_code == 200
    assert "at most 50 requests per minute" in response.text
    assert 'value="Keep me"' in response.text
    assert not ApiClient.objects.exists()


def test_a_service_refusal_of_the_permissions_is_shown_next_to_them(client, manager, monkeypatch):
    def refuse(**kwargs):
        raise Forbidden("You cannot grant permissions you do not hold: WRITE_NETWORK.")

    monkeypatch.setattr(services, "api_client_create", refuse)

    response = create(client, permissions=[PermissionCode.WRITE_NETWORK])

    assert response.status_code == 200
    assert (
        '<div class="field-error" id="id_permissions_error"><p>'
        "You cannot grant permissions you do not hold: WRITE_NETWORK.</p></div>" in response.text
    )
    assert 'value="ERP sync"' in response.text


def test_a_service_error_about_no_form_field_is_shown_at_the_top_of_the_form(client, manager, monkeypatch):
    def refuse(**kwargs):
        raise ValidationFailed([FieldError("organization", "This organization is archived.")])

    monkeypatch.setattr(services, "api_client_create", refuse)

    response = create(client)

    assert response.status_code == 200
    assert '<div class="alert alert--error form-errors" role="alert">' in response.text
    assert "This organization is archived." in response.text
    assert not ApiClient.objects.exists()


def test_revoking_another_organizations_client_answers_404_and_changes_nothing(client, manager):
    foreign = ApiClientFactory()

    response = client.post(reverse("org-api-client-revoke", args=[foreign.pk]))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.active is True


def test_revoke_is_post_only(client, manager):
    api_client = ApiClientFactory(organization=manager.organization)

    assert client.get(reverse("org-api-client-revoke", args=[api_client.pk])).status_code == 405
    api_client.refresh_from_db()
    assert api_client.active is True


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_members_without_manage_permission_get_403(client, role):
    membership = MembershipFactory(role=role)
    api_client = ApiClientFactory(organization=membership.organization)
    client.force_login(membership.user)

    assert client.get(URL).status_code == 403
    response = client.post(URL, {"name": "x", "permissions": ["READ_PARTNER"]})
    assert response.status_code == 403
    assert "You can't open this page" in response.text
    assert client.post(reverse("org-api-client-revoke", args=[api_client.pk])).status_code == 403
    api_client.refresh_from_db()
    assert api_client.active is True
    assert ApiClient.objects.count() == 1


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_secret_created_in_one_organization_is_not_shown_in_another(client):
    user = MembershipFactory(organization__name="Alpha").user
    beta = MembershipFactory(user=user, organization__name="Beta").organization
    client.force_login(user)
    create(client)  # in Alpha, the default
    client.post(reverse("organization-switch"), {"organization_id": str(beta.pk)})

    page = client.get(URL).text

    assert 'id="new-client-secret"' not in page


def test_list_query_count_does_not_grow_with_rows(client, manager):
    ApiClientFactory(organization=manager.organization)
    assert_constant_queries(
        fetch=lambda: client.get(URL),
        add_rows=lambda n: ApiClientFactory.create_batch(n, organization=manager.organization),
        count=lambda response: response.text.count("badge--success"),
    )


def test_the_page_says_clients_belong_to_the_organization_and_who_created_each(client, manager):
    stays = MembershipFactory(organization=manager.organization, role=Role.ADMIN, user__username="stays")
    leaves = MembershipFactory(organization=manager.organization, role=Role.ADMIN, user__username="leaves")
    ApiClientFactory(organization=manager.organization, name="Kept by stays", created_by=stays.user)
    ApiClientFactory(organization=manager.organization, name="Left behind", created_by=leaves.user)
    deleted = MembershipFactory(organization=manager.organization, role=Role.ADMIN, user__username="deleted")
    ApiClientFactory(organization=manager.organization, name="Orphan", created_by=deleted.user)
    MembershipFactory(user=leaves.user)  # still a member elsewhere: not here
    services.membership_delete(membership=leaves, actor_role=manager.role)
    deleted.user.delete()

    response = client.get(URL)

    page = response.text
    assert "API clients belong to Acme Trading, not to the person who created them" in page
    rows = {
        re.search(r"<strong>([^<]+)</strong>", row).group(1): row
        for row in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
        if "<td>" in row
    }
    assert ">stays<" in rows["Kept by stays"]
    assert "No longer a member" not in rows["Kept by stays"]
    assert ">leaves<" in rows["Left behind"]
    assert "No longer a member" in rows["Left behind"]
    assert "A deleted user" in rows["Orphan"]
