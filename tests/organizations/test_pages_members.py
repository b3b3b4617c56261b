"""The members page: list, invite by email, change roles, remove, the last-owner rule, scoping."""

import pytest
from django.urls import reverse

from invitations.models import Invitation, InvitationKind
from organizations.models import Membership, Role
from tests.factories.organizations import MembershipFactory, UserFactory
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = "/organizations/members"


@pytest.fixture
def manager(client):
    membership = MembershipFactory(role=Role.OWNER, user__username="olivia", organization__name="Acme Trading")
    client.force_login(membership.user)
    return membership


def test_page_lists_members_with_their_roles(client, manager):
    MembershipFactory(organization=manager.organization, role=Role.VIEWER, user__username="victor")
    MembershipFactory(user__username="stranger")

    response = client.get(URL)

    assert response.status_code == 200
    page = response.text
    assert "olivia" in page
    assert "victor" in page
    assert "stranger" not in page
    rows = dict((m.user.username, form.initial["role"]) for m, form in response.context["rows"])
    assert rows == {"olivia": Role.OWNER, "victor": Role.VIEWER}
    assert '<option value="viewer" selected>Viewer</option>' in page


def test_inviting_answers_the_same_whether_or_not_the_address_has_an_account(client, manager):
    UserFactory(username="bob", email="bob@example.com")

    known = client.post(URL, {"email": "bob@example.com", "role": Role.OPERATOR}, follow=True)
    unknown = client.post(URL, {"email": "nobody@example.com", "role": Role.OPERATOR}, follow=True)

    assert known.status_code == unknown.status_code == 200
    assert "Invitation sent to bob@example.com: they join as Operator once they accept." in known.text
    assert "Invitation sent to nobody@example.com: they join as Operator once they accept." in unknown.text
    # nobody is a member before accepting
    assert Membership.objects.filter(organization=manager.organization).count() == 1
    invitations = Invitation.objects.filter(organization=manager.organization, kind=InvitationKind.MEMBER)
    assert sorted(invitations.values_list("email", flat=True)) == ["bob@example.com", "nobody@example.com"]


def test_an_invalid_email_shows_an_inline_error_and_keeps_the_input(client, manager):
    response = client.post(URL, {"email": "not an email", "role": Role.ADMIN})

    assert response.status_code == 200
    assert '<div class="field-error" id="id_email_error"><p>Enter a valid email address.</p></div>' in response.text
    assert 'value="not an email"' in response.text
    assert '<option value="admin" selected>Admin</option>' in response.text
    assert not Invitation.objects.exists()


def test_only_an_owner_invites_to_the_owner_role(client, manager):
    admin = MembershipFactory(organization=manager.organization, role=Role.ADMIN)
    client.force_login(admin.user)

    response = client.post(URL, {"email": "olga@example.com", "role": Role.OWNER})

    assert response.status_code == 200
    assert "Only an owner can grant, change or remove the owner role." in response.text
    assert not Invitation.objects.exists()


def test_change_role(client, manager):
    member = MembershipFactory(organization=manager.organization, role=Role.VIEWER, user__username="erin")

    response = client.post(reverse("org-member-role", args=[member.pk]), {"role": Role.ADMIN}, follow=True)

    assert response.status_code == 200
    assert "erin is now Admin." in response.text
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_the_last_owner_cannot_be_demoted(client, manager):
    response = client.post(reverse("org-member-role", args=[manager.pk]), {"role": Role.VIEWER})

    assert response.status_code == 200
    assert "An organization must keep at least one owner." in response.text
    manager.refresh_from_db()
    assert manager.role == Role.OWNER
    # the error sits under the row's role select, which keeps the role that was chosen
    page = response.text
    error_id = f"id_{manager.pk}_role_error"
    assert f'aria-describedby="{error_id}" id="id_{manager.pk}_role">' in page
    assert '<option value="viewer" selected>Viewer</option>' in page
    assert (
        f'<div class="field-error" id="{error_id}" role="alert"><p>An organization must keep at least one owner.'
        in page
    )


def test_an_owner_can_be_demoted_when_another_owner_remains(client, manager):
    MembershipFactory(organization=manager.organization, role=Role.OWNER)

    response = client.post(reverse("org-member-role", args=[manager.pk]), {"role": Role.OPERATOR})

    # demoting yourself takes away the members page: back to the overview
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    manager.refresh_from_db()
    assert manager.role == Role.OPERATOR


def test_an_invalid_role_is_refused_inline(client, manager):
    member = MembershipFactory(organization=manager.organization, role=Role.VIEWER)

    response = client.post(reverse("org-member-role", args=[member.pk]), {"role": "emperor"})

    assert response.status_code == 200
    assert "Select a valid choice. emperor is not one of the available choices." in response.text
    member.refresh_from_db()
    assert member.role == Role.VIEWER


def test_remove_a_member(client, manager):
    member = MembershipFactory(organization=manager.organization, user__username="frank")

    response = client.post(reverse("org-member-remove", args=[member.pk]), follow=True)

    assert response.status_code == 200
    assert "frank was removed from Acme Trading." in response.text
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_last_owner_cannot_be_removed(client, manager):
    response = client.post(reverse("org-member-remove", args=[manager.pk]))

    assert response.status_code == 200
    assert "An organization must keep at least one owner; make someone else owner first." in response.text
    assert Membership.objects.filter(pk=manager.pk).exists()


@pytest.mark.parametrize("action", ["org-member-role", "org-member-remove"])
def test_another_organizations_membership_answers_404_and_changes_nothing(client, manager, action):
    foreign = MembershipFactory(role=Role.VIEWER)

    response = client.post(reverse(action, args=[foreign.pk]), {"role": Role.OWNER})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.VIEWER


def test_a_viewer_gets_403_and_changes_nothing(client):
    membership = MembershipFactory(role=Role.VIEWER)
    other = MembershipFactory(organization=membership.organization, role=Role.VIEWER)
    UserFactory(username="gina")
    client.force_login(membership.user)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"identifier": "gina", "role": Role.OWNER}).status_code == 403
    assert client.post(reverse("org-member-role", args=[membership.pk]), {"role": Role.OWNER}).status_code == 403
    assert client.post(reverse("org-member-remove", args=[other.pk])).status_code == 403
    assert Membership.objects.filter(organization=membership.organization).count() == 2
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_the_manage_pages_answer_403_with_the_friendly_page(client):
    membership = MembershipFactory(role=Role.VIEWER, organization__name="Acme Trading")
    client.force_login(membership.user)

    response = client.get(URL)

    assert response.status_code == 403
    assert "You can't open this page" in response.text
    assert "You are working in <strong>Acme Trading</strong> as <strong>viewer</strong>" in response.text
    assert "permission, which the owner or admin role has." in response.text


def test_list_query_count_does_not_grow_with_rows(client, manager):
    assert_constant_queries(
        fetch=lambda: client.get(URL),
        add_rows=lambda n: MembershipFactory.create_batch(n, organization=manager.organization),
        count=lambda response: len(response.context["rows"]),
    )


def test_an_admin_cannot_hand_out_or_take_away_the_owner_role(client):
    admin = MembershipFactory(role=Role.ADMIN)
    owner = MembershipFactory(organization=admin.organization, role=Role.OWNER)
    client.force_login(admin.user)

    promote_self = client.post(reverse("org-member-role", args=[admin.pk]), {"role": Role.OWNER})
    remove_owner = client.post(reverse("org-member-remove", args=[owner.pk]))

    for response in (promote_self, remove_owner):
        assert response.status_code == 200
        assert "Only an owner can grant, change or remove the owner role." in response.text
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert Membership.objects.filter(pk=owner.pk, role=Role.OWNER).exists()
