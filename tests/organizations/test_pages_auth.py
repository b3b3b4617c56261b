"""Sign in, sign out, password change, and the current-organization middleware."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Role
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_redirects_anonymous_users_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_login_page_renders_a_form(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_sign_in_with_the_right_password_lands_on_the_organization_home(client):
    membership = MembershipFactory(organization__name="Acme Trading")

    response = client.post(
        "/accounts/login/", {"username": membership.user.username, "password": DEFAULT_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Acme Trading" in response.text
    assert f"Signed in as <strong>{membership.user.username}</strong>" in response.text


def test_sign_in_with_a_wrong_password_shows_an_error_and_keeps_the_username(client):
    user = UserFactory(username="alice")

    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert 'value="alice"' in response.text
    assert "_auth_user_id" not in client.session
    assert user.pk  # still there, nothing changed


def test_sign_in_attempts_are_limited_per_address(client, settings, frozen_clock):
    settings.LOGIN_ATTEMPTS_PER_MINUTE = 2
    membership = MembershipFactory()
    wrong = {"username": membership.user.username, "password": "guess"}

    statuses = [client.post("/accounts/login/", wrong).status_code for _ in range(2)]
    limited = client.post("/accounts/login/", {**wrong, "password": DEFAULT_PASSWORD})

    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert "Too many sign-in attempts" in limited.text
    assert int(limited["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session  # even the right password waits
    other = Client(REMOTE_ADDR="203.0.113.7").post("/accounts/login/", {**wrong, "password": DEFAULT_PASSWORD})
    assert other.status_code == 302


def test_sign_in_follows_next(client):
    membership = MembershipFactory()

    response = client.post(
        "/accounts/login/?next=/organizations/members",
        {"username": membership.user.username, "password": DEFAULT_PASSWORD, "next": "/organizations/members"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/organizations/members"


def test_sign_out_is_a_post_and_ends_the_session(client):
    client.force_login(MembershipFactory().user)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_pages_offer_a_sign_out_form(client):
    client.force_login(MembershipFactory().user)

    response = client.get("/")

    assert f'<form method="post" action="{reverse("logout")}">' in response.text


def test_password_change_keeps_the_user_signed_in_and_the_new_password_works(client):
    user = MembershipFactory().user
    client.force_login(user)
    new_password = "a much longer passphrase 42"

    response = client.post(
        reverse("password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": new_password, "new_password2": new_password},
        follow=True,
    )

    assert response.status_code == 200
    assert "Password changed" in response.text
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_change_with_a_wrong_old_password_shows_the_error_inline(client):
    user = MembershipFactory().user
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x" * 20 + "Yz1", "new_password2": "x" * 20 + "Yz1"},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_user_without_organization_sees_a_friendly_page(client):
    client.force_login(UserFactory(username="loner", email="loner@example.com"))

    response = client.get("/")

    assert response.status_code == 200
    assert "You don't belong to an organization yet" in response.text
    assert "loner@example.com" in response.text


def test_a_user_without_organization_cannot_open_manage_pages(client):
    client.force_login(UserFactory())

    response = client.get(reverse("org-api-clients"))

    assert response.status_code == 403
    assert "You don't belong to an organization yet" in response.text


def test_the_default_organization_is_the_first_by_name(client):
    user = UserFactory()
    MembershipFactory(user=user, organization__name="Zeta Corp", role=Role.OWNER)
    MembershipFactory(user=user, organization__name="Alpha Inc", role=Role.VIEWER)
    client.force_login(user)

    response = client.get("/")

    assert "<h1>Alpha Inc</h1>" in response.text
    assert response.wsgi_request.membership.role == Role.VIEWER


def test_a_session_organization_the_user_left_falls_back_to_the_default(client):
    user = UserFactory()
    MembershipFactory(user=user, organization__name="Alpha Inc")
    left = MembershipFactory(user=user, organization__name="Beta Ltd")
    client.force_login(user)
    session = client.session
    session["organization_id"] = str(left.organization_id)
    session.save()
    left.delete()

    response = client.get("/")

    assert "<h1>Alpha Inc</h1>" in response.text


def test_the_session_organization_must_be_one_of_the_users(client):
    user = MembershipFactory(organization__name="Mine").user
    other = OrganizationFactory(name="Not mine")
    client.force_login(user)
    session = client.session
    session["organization_id"] = str(other.pk)
    session.save()

    response = client.get("/")

    assert "<h1>Mine</h1>" in response.text
    assert "Not mine" not in response.text


def test_the_middleware_costs_one_query_whatever_the_number_of_organizations(client):
    user = UserFactory()
    MembershipFactory(user=user)
    client.force_login(user)
    # session + user + memberships, then the home page's figures (tests/organizations/test_pages_home_figures.py)
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(20):
        MembershipFactory(user=user)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert len(response.wsgi_request.user_organizations) == 21
    assert len(many) == len(one)


def test_api_paths_do_not_pay_for_the_current_organization(client):
    client.force_login(MembershipFactory().user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.wsgi_request.organization is None
    assert not [q for q in queries.captured_queries if "organizations_membership" in q["sql"]]


def test_a_form_sent_without_its_csrf_token_gets_the_friendly_page():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(MembershipFactory().user)

    response = csrf_client.post(reverse("org-members"), {"identifier": "x", "role": "viewer"})

    assert response.status_code == 403
    assert "This form has expired" in response.text


def test_password_change_attempts_are_limited_per_user_and_address(client, settings, frozen_clock):
    settings.PASSWORD_ATTEMPTS_PER_MINUTE = 3
    user = MembershipFactory().user
    client.force_login(user)
    new = "a much longer passphrase 42"
    change = {"new_password1": new, "new_password2": new}
    assert "At most 3 password attempts a minute" in client.get(reverse("password_change")).text

    wrong = [client.post(reverse("password_change"), {**change, "old_password": "guess"}) for _ in range(3)]
    right = client.post(reverse("password_change"), {**change, "old_password": DEFAULT_PASSWORD})
    elsewhere = client.post(
        reverse("password_change"), {**change, "old_password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert all("Your old password was entered incorrectly" in response.text for response in wrong)
    for refused in (right, elsewhere):  # the right password, from here or another address: refused while locked
        assert refused.status_code == 200
        assert "Too many password attempts." in refused.text
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    # another user at the same address shares the address's budget; at another address they are unaffected
    neighbour = Client()
    neighbour.force_login(MembershipFactory().user)
    assert (
        "Too many password attempts."
        in neighbour.post(reverse("password_change"), {**change, "old_password": DEFAULT_PASSWORD}).text
    )
    away = Client(REMOTE_ADDR="203.0.113.8")
    away.force_login(MembershipFactory().user)
    assert away.post(reverse("password_change"), {**change, "old_password": DEFAULT_PASSWORD}).status_code == 302

    frozen_clock.shift(61)  # the window has passed: the right password works again
    assert client.post(reverse("password_change"), {**change, "old_password": DEFAULT_PASSWORD}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
