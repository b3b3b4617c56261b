"""Organization API of invitations and connections: bodies, validation (422 with `loc`), filters and ordering,
tenancy (another organization's ids answer 404), permissions, constant query counts, and the access matrix."""

from datetime import timedelta

import pytest
from django.utils import timezone

import invitations.services
from invitations.models import Invitation, InvitationKind
from organizations.models import OrganizationConnection, Role
from tests.conftest import bearer, org_headers
from tests.factories.organizations import (
    ApiClientFactory,
    MembershipFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
)
from tests.invitations.conftest import guest_invitation, in_days, member_invitation, partner_record
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

OUTPUT_FIELDS = {
    "id",
    "kind",
    "email",
    "status",
    "expired_at",
    "archived",
    "parent_organization_id",
    "partner_id",
    "first_invitation_sent_at",
    "last_invitation_sent_at",
    "accepted_at",
    "created_at",
    "updated_at",
}


@pytest.fixture
def headers(organization, client_token):
    return {**client_token, **org_headers(organization)}


def future(days=7) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


# --- guest invitations ----------------------------------------------------------------------------------------


def test_create_answers_201_without_the_token(api, organization, headers):
    response = api.post(
        "/api/v1/guest-invitations", {"email": "guest@example.com", "expired_at": future()}, format="json", **headers
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == OUTPUT_FIELDS
    assert (body["kind"], body["email"], body["status"], body["archived"]) == (
        "guest",
        "guest@example.com",
        "sent",
        False,
    )
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in response.text
    assert invitation.organization == organization


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope", "expired_at": "2099-01-01T00:00:00Z"}, "email"),
        ({"email": 5, "expired_at": "2099-01-01T00:00:00Z"}, "email"),
        ({"email": "a@example.com", "expired_at": "2001-01-01T00:00:00Z"}, "expired_at"),
        ({"email": "a@example.com", "expired_at": "9999-12-31T23:59:59Z"}, "expired_at"),
        ({"email": "a@example.com", "expired_at": "tomorrow"}, "expired_at"),
        ({"email": "a@example.com"}, "expired_at"),
        ({"email": "a\x00@example.com", "expired_at": "2099-01-01T00:00:00Z"}, "email"),
        ({"email": "a@example.com", "expired_at": "2099-01-01T00:00:00Z", "parent_organization_id": "x"}, None),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(api, headers, body, field):
    if field is None:  # a foreign organization as the parent
        body["parent_organization_id"], field = str(OrganizationFactory().pk), "parent_organization_id"
    if body.get("expired_at") == "2099-01-01T00:00:00Z":
        body["expired_at"] = future(30)

    response = api.post("/api/v1/guest-invitations", body, format="json", **headers)

    assert response.status_code == 422
    assert ["body", field] in [item["loc"] for item in response.json()["detail"]]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/guest-invitations", "/api/v1/member-invitations"])
def test_an_address_that_is_not_an_email_is_refused_as_before(api, headers, url):
    """The email is checked at the edge now that the schema says `format: email`, with the message it always had."""
    body = {"email": "nope", "expired_at": future(), "role": "viewer"}

    response = api.post(url, body, format="json", **headers)

    assert response.status_code == 422
    assert [(item["loc"], item["msg"]) for item in response.json()["detail"]] == [
        (["body", "email"], "Enter a valid email address.")
    ]


def test_list_filters_orders_and_pages(api, organization, headers, invitee):
    b, _ = guest_invitation(organization, email="b@example.com", expired_at=in_days(3))
    guest_invitation(organization, email="a@example.com", expired_at=in_days(9))
    _, token = guest_invitation(organization, email="guest@example.com", expired_at=in_days(5))
    invitations.services.invitation_accept(token=token, user=invitee, new_organization_name="Globex Labs")
    Invitation.objects.filter(pk=b.pk).update(expired_at=timezone.now() - timedelta(minutes=1))  # not swept yet
    guest_invitation(OrganizationFactory(), email="a@elsewhere.example")
    member_invitation(organization, email="member@example.com")

    def emails(query: str) -> list[str]:
        response = api.get(f"/api/v1/guest-invitations?{query}", **headers)
        assert response.status_code == 200, response.json()
        return [item["email"] for item in response.json()["items"]]

    assert emails("order_by=email&order_dir=asc") == ["a@example.com", "b@example.com", "guest@example.com"]
    assert emails("order_by=expired_at&order_dir=desc") == ["a@example.com", "guest@example.com", "b@example.com"]
    assert emails("statuses=expired") == ["b@example.com"]  # past its expiry reads as expired
    assert emails("statuses=sent") == ["a@example.com"]
    assert sorted(emails("statuses=sent&statuses=accepted")) == ["a@example.com", "guest@example.com"]
    assert emails("expired=true") == ["b@example.com"]
    assert emails("search_text=GUEST") == ["guest@example.com"]
    assert emails("archived=true") == []
    page = api.get("/api/v1/guest-invitations?order_by=email&order_dir=asc&limit=1&offset=1", **headers).json()
    assert page["total_items"] == 3
    assert [item["email"] for item in page["items"]] == ["b@example.com"]
    statuses = {i["email"]: i["status"] for i in api.get("/api/v1/guest-invitations", **headers).json()["items"]}
    assert statuses == {"a@example.com": "sent", "b@example.com": "expired", "guest@example.com": "accepted"}


@pytest.mark.parametrize(
    "query",
    ["statuses=gone", "order_by=token_hash", "order_dir=up", "expired=maybe", "limit=0", "limit=101", "offset=-1"],
)
def test_bad_filters_are_422(api, headers, query):
    response = api.get(f"/api/v1/guest-invitations?{query}", **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_the_list_costs_the_same_queries_with_more_rows(api, organization, headers):
    guest_invitation(organization, email="first@example.com")  # an empty page makes no SELECT
    assert_constant_queries(
        lambda: api.get("/api/v1/guest-invitations", **headers),
        lambda n: [guest_invitation(organization, email=f"g{i}@example.com") for i in range(n)],
        lambda response: response.json()["total_items"],
    )


def test_another_organizations_invitation_is_404(api, headers):
    foreign, _ = guest_invitation(OrganizationFactory())

    assert api.get(f"/api/v1/guest-invitations/{foreign.pk}", **headers).status_code == 404
    assert api.post(f"/api/v1/guest-invitations/{foreign.pk}/resend", **headers).status_code == 404
    assert api.get("/api/v1/guest-invitations/not-a-uuid", **headers).status_code == 404
    assert foreign.emails.count() == 1


def test_resend_and_its_409s(api, organization, headers, invitee):
    invitation, _ = guest_invitation(organization)

    response = api.post(f"/api/v1/guest-invitations/{invitation.pk}/resend", **headers)
    assert response.status_code == 200
    assert invitation.emails.count() == 2

    expired, _ = guest_invitation(organization, email="x@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expired_at=timezone.now() - timedelta(seconds=1))
    assert api.post(f"/api/v1/guest-invitations/{expired.pk}/resend", **headers).status_code == 409
    member, member_token = member_invitation(organization, email="guest@example.com")
    invitations.services.invitation_accept(token=member_token, user=invitee)
    accepted = api.post(f"/api/v1/member-invitations/{member.pk}/resend", **headers)
    assert accepted.status_code == 409
    assert accepted.json()["detail"][0]["code"] == "invitation_already_accepted"


def test_a_viewer_reads_but_cannot_invite(api, organization, member_token):
    viewer = {**member_token(organization, Role.VIEWER), **org_headers(organization)}

    assert api.get("/api/v1/guest-invitations", **viewer).status_code == 200
    response = api.post(
        "/api/v1/guest-invitations", {"email": "g@example.com", "expired_at": future()}, format="json", **viewer
    )
    assert response.status_code == 403
    assert api.get("/api/v1/member-invitations", **viewer).status_code == 403


# --- member invitations ---------------------------------------------------------------------------------------


def test_member_invitations_answer_the_same_whether_or_not_the_address_has_an_account(api, organization, headers):
    MembershipFactory(organization=OrganizationFactory(), user__email="known@example.com")

    known = api.post(
        "/api/v1/member-invitations", {"email": "known@example.com", "role": "viewer"}, format="json", **headers
    )
    unknown = api.post(
        "/api/v1/member-invitations", {"email": "nobody@example.com", "role": "viewer"}, format="json", **headers
    )

    assert known.status_code == unknown.status_code == 201

    def strip(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in {"id", "email", "created_at", "updated_at", "expired_at"}}

    assert strip(known.json()) == strip(unknown.json())
    assert known.json()["role"] == "viewer"
    listed = api.get("/api/v1/member-invitations", **headers).json()
    assert listed["total_items"] == 2
    assert organization.memberships.count() == 0  # the API client's organization: nobody joined


def test_an_api_client_cannot_invite_an_owner(api, headers):
    response = api.post(
        "/api/v1/member-invitations", {"email": "o@example.com", "role": "owner"}, format="json", **headers
    )
    assert response.status_code == 403


# --- partner invite -------------------------------------------------------------------------------------------


def test_invite_a_partner(api, organization, headers):
    partner = partner_record(organization)

    response = api.post(f"/api/v1/partners/{partner.pk}/invite", {}, format="json", **headers)

    assert response.status_code == 201
    assert response.json()["partner_id"] == str(partner.pk)
    assert response.json()["email"] == "ops@globex.example"
    partner.refresh_from_db()
    assert partner.invitation_status == "invited"
    no_email = partner_record(organization, company_name="Initech", email="")
    refused = api.post(f"/api/v1/partners/{no_email.pk}/invite", **headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["code"] == "partner_email_missing"
    bad = api.post(
        f"/api/v1/partners/{partner.pk}/invite", {"expired_at": "2001-01-01T00:00:00Z"}, format="json", **headers
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "expired_at"]


def test_another_organizations_partner_is_404(api, headers):
    foreign = partner_record(OrganizationFactory())
    assert api.post(f"/api/v1/partners/{foreign.pk}/invite", **headers).status_code == 404
    foreign.refresh_from_db()
    assert foreign.invitation_status == ""


# --- connections ----------------------------------------------------------------------------------------------


def test_guest_and_host_connections(api, organization, headers):
    guest = OrganizationFactory(name="Guest Co")
    OrganizationConnectionFactory(host=organization, guest=guest)
    host = OrganizationFactory(name="Host Co")
    OrganizationConnectionFactory(host=host, guest=organization)
    OrganizationConnectionFactory()  # unrelated

    guests = api.get("/api/v1/guest-connections", **headers).json()
    assert guests["total_items"] == 1
    assert guests["items"][0]["organization_id"] == str(guest.pk)
    assert guests["items"][0]["organization_name"] == "Guest Co"
    assert set(guests["items"][0]) == {
        "organization_id",
        "organization_name",
        "status",
        "archived",
        "created_at",
        "updated_at",
    }
    hosts = api.get("/api/v1/host-connections", **headers).json()
    assert [item["organization_name"] for item in hosts["items"]] == ["Host Co"]
    assert api.get(f"/api/v1/host-connections/{host.pk}", **headers).json()["organization_id"] == str(host.pk)
    assert api.get(f"/api/v1/guest-connections/{guest.pk}", **headers).status_code == 200

    archived = api.patch(f"/api/v1/guest-connections/{guest.pk}", {"archived": True}, format="json", **headers)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert api.get("/api/v1/guest-connections?archived=false", **headers).json()["total_items"] == 0
    assert api.get("/api/v1/guest-connections?archived=true&statuses=connected", **headers).json()["total_items"] == 1
    bad = api.patch(f"/api/v1/guest-connections/{guest.pk}", {"archived": "yes"}, format="json", **headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "archived"]


def test_connections_of_others_are_404(api, organization, headers):
    foreign = OrganizationConnectionFactory()
    host = OrganizationFactory()
    OrganizationConnectionFactory(host=host, guest=organization)

    assert api.get(f"/api/v1/guest-connections/{foreign.guest_id}", **headers).status_code == 404
    assert (
        api.patch(
            f"/api/v1/guest-connections/{foreign.guest_id}", {"archived": True}, format="json", **headers
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/host-connections/{foreign.host_id}", **headers).status_code == 404
    assert api.get(f"/api/v1/guest-connections/{host.pk}", **headers).status_code == 404  # it is a host, not a guest
    assert not OrganizationConnection.objects.get(pk=foreign.pk).archived


def test_the_connection_lists_cost_the_same_queries_with_more_rows(api, organization, headers):
    OrganizationConnectionFactory(host=organization)
    OrganizationConnectionFactory(guest=organization)
    for url, side in (("/api/v1/guest-connections", "host"), ("/api/v1/host-connections", "guest")):
        assert_constant_queries(
            lambda url=url: api.get(url, **headers),
            lambda n, side=side: [OrganizationConnectionFactory(**{side: organization}) for _ in range(n)],
            lambda response: response.json()["total_items"],
        )


# --- access matrix --------------------------------------------------------------------------------------------

OPERATIONS = [
    ("get", "/api/v1/guest-invitations", None),
    ("post", "/api/v1/guest-invitations", "guest_body"),
    ("get", "/api/v1/guest-invitations/{guest_invitation}", None),
    ("post", "/api/v1/guest-invitations/{guest_invitation}/resend", None),
    ("get", "/api/v1/member-invitations", None),
    ("post", "/api/v1/member-invitations", "member_body"),
    ("get", "/api/v1/member-invitations/{member_invitation}", None),
    ("post", "/api/v1/member-invitations/{member_invitation}/resend", None),
    ("post", "/api/v1/partners/{partner}/invite", None),
    ("get", "/api/v1/guest-connections", None),
    ("get", "/api/v1/guest-connections/{guest}", None),
    ("patch", "/api/v1/guest-connections/{guest}", "archive_body"),
    ("get", "/api/v1/host-connections", None),
    ("get", "/api/v1/host-connections/{host}", None),
]
SELF_STATUS = {"get": 200, "post": 201, "patch": 200}


@pytest.mark.parametrize("scenario", ["self", "host", "guest", "unrelated", "no token"])
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_access_matrix(api, scenario, method, path, body):
    me = OrganizationFactory(name="Me")
    my_guest, my_host, unrelated = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    OrganizationConnectionFactory(host=me, guest=my_guest)
    OrganizationConnectionFactory(host=my_host, guest=me)
    objects = {
        "guest_invitation": guest_invitation(me)[0].pk,
        "member_invitation": member_invitation(me)[0].pk,
        "partner": partner_record(me).pk,
        "guest": my_guest.pk,
        "host": my_host.pk,
    }
    bodies = {
        "guest_body": {"email": "g@example.com", "expired_at": future()},
        "member_body": {"email": "m@example.com", "role": "viewer"},
        "archive_body": {"archived": True},
    }
    token = bearer(invitations_token(me))
    target = {"self": me, "host": my_guest, "guest": my_host, "unrelated": unrelated}.get(scenario, me)
    headers = {} if scenario == "no token" else {**token, **org_headers(me, target)}

    response = getattr(api, method)(path.format(**objects), bodies.get(body), format="json", **headers)

    expected = {"self": 200 if path.endswith("/resend") else SELF_STATUS[method], "no token": 401}.get(scenario, 403)
    assert response.status_code == expected, response.json()


def invitations_token(organization) -> str:
    from organizations.tokens import token_issue_for_client

    return token_issue_for_client(api_client=ApiClientFactory(organization=organization)).access_token


def test_kinds_do_not_mix(api, organization, headers):
    member, _ = member_invitation(organization)
    assert api.get(f"/api/v1/guest-invitations/{member.pk}", **headers).status_code == 404
    assert Invitation.objects.filter(kind=InvitationKind.MEMBER).count() == 1
