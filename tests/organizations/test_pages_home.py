"""The organization home page and the organization switcher."""

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.factories.organizations import (
    ApiClientFactory,
    MembershipFactory,
    OrganizationFactory,
    SigningKeyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_home_shows_the_current_organization_its_id_role_and_counts(client):
    membership = MembershipFactory(organization__name="Acme Trading", role=Role.ADMIN)
    organization = membership.organization
    MembershipFactory.create_batch(2, organization=organization)
    ApiClientFactory(organization=organization)
    ApiClientFactory(organization=organization, active=False, revoked_at="2025-01-01T00:00:00Z")
    SigningKeyFactory.create_batch(3, organization=organization)
    SigningKeyFactory(organization=organization, active=False)
    ApiClientFactory()  # another organization's: not counted
    client.force_login(membership.user)

    response = client.get("/")

    assert response.status_code == 200
    page = response.text
    assert "<h1>Acme Trading</h1>" in page
    assert f'<code id="organization-id">{organization.pk}</code>' in page
    assert "Requester-Organization-ID" in page
    assert '<span class="badge badge--primary">Admin</span>' in page
    assert response.context["counts"] == {"members": 3, "api_clients": 1, "signing_keys": 3}
    assert '<span class="stat__value">3</span>' in page
    for url in ("/organizations/api-clients", "/organizations/signing-keys", "/organizations/members", "/api/docs/"):
        assert f'href="{url}"' in page


def test_home_of_a_viewer_hides_the_manage_links(client):
    membership = MembershipFactory(role=Role.VIEWER)
    client.force_login(membership.user)

    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/organizations/api-clients"' not in response.text
    assert "managed by the organization's owners and admins" in response.text
    assert 'href="/api/docs/"' in response.text


def test_switcher_is_shown_only_to_users_of_several_organizations(client):
    user = UserFactory()
    MembershipFactory(user=user, organization__name="Alpha Inc")
    client.force_login(user)
    assert 'action="/organizations/switch"' not in client.get("/").text

    MembershipFactory(user=user, organization__name="Beta Ltd")
    page = client.get("/").text

    assert 'action="/organizations/switch"' in page
    assert ">Alpha Inc</option>" in page
    assert ">Beta Ltd</option>" in page


def test_switcher_changes_the_current_organization(client):
    user = UserFactory()
    MembershipFactory(user=user, organization__name="Alpha Inc")
    beta = MembershipFactory(user=user, organization__name="Beta Ltd").organization
    client.force_login(user)

    response = client.post(reverse("organization-switch"), {"organization_id": str(beta.pk), "next": "/"}, follow=True)

    assert response.status_code == 200
    assert "You are now working in Beta Ltd." in response.text
    assert "<h1>Beta Ltd</h1>" in response.text
    assert "<h1>Beta Ltd</h1>" in client.get("/").text  # and it stays


def test_switcher_follows_a_local_next_but_not_another_site(client):
    user = UserFactory()
    MembershipFactory(user=user)
    beta = MembershipFactory(user=user).organization
    client.force_login(user)

    local = client.post(
        reverse("organization-switch"), {"organization_id": str(beta.pk), "next": "/organizations/members"}
    )
    offsite = client.post(
        reverse("organization-switch"), {"organization_id": str(beta.pk), "next": "https://evil.example/"}
    )

    assert local["Location"] == "/organizations/members"
    assert offsite["Location"] == reverse("home")


def test_switcher_refuses_an_organization_the_user_is_not_a_member_of(client):
    user = UserFactory()
    MembershipFactory(user=user, organization__name="Alpha Inc")
    MembershipFactory(user=user, organization__name="Beta Ltd")
    stranger = OrganizationFactory(name="Someone Else")
    client.force_login(user)

    response = client.post(reverse("organization-switch"), {"organization_id": str(stranger.pk)}, follow=True)

    assert response.status_code == 200
    assert "You are not a member of that organization." in response.text
    assert "<h1>Alpha Inc</h1>" in response.text
    assert "organization_id" not in client.session
    assert "Someone Else" not in client.get("/").text


@pytest.mark.parametrize("value", ["", "not-a-uuid"])
def test_switcher_refuses_malformed_ids(client, value):
    user = MembershipFactory().user
    client.force_login(user)

    response = client.post(reverse("organization-switch"), {"organization_id": value}, follow=True)

    assert "You are not a member of that organization." in response.text
    assert "organization_id" not in client.session


def test_switcher_is_post_only(client):
    client.force_login(MembershipFactory().user)

    assert client.get(reverse("organization-switch")).status_code == 405
