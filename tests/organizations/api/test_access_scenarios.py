"""Requester-Organization-ID / Target-Organization-ID → Self / Host / Guest, and per-endpoint allowed scenarios.

`GET /api/v1/organization` allows all three scenarios; `GET /api/v1/api-clients` allows Self only.
"""

import uuid

import pytest

from organizations.models import OrganizationConnectionStatus
from tests.conftest import org_headers
from tests.factories.organizations import OrganizationConnectionFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ALL_SCENARIOS_URL = "/api/v1/organization"
SELF_ONLY_URL = "/api/v1/api-clients"


@pytest.fixture
def host(organization):
    return organization


@pytest.fixture
def guest(host):
    guest = OrganizationFactory(name="Guest Co")
    OrganizationConnectionFactory(host=host, guest=guest)
    return guest


def test_self_scenario(api, host, client_token):
    response = api.get(ALL_SCENARIOS_URL, **client_token, **org_headers(host))
    assert response.status_code == 200
    assert response.json()["scenario"] == "self"
    assert response.json()["id"] == str(host.pk)


def test_host_scenario_reads_the_guest(api, host, guest, client_token):
    response = api.get(ALL_SCENARIOS_URL, **client_token, **org_headers(host, guest))
    assert response.status_code == 200
    assert response.json() == {**response.json(), "scenario": "host", "id": str(guest.pk), "name": "Guest Co"}


def test_guest_scenario_reads_the_host(api, host, guest, member_token):
    token = member_token(guest, "viewer")
    response = api.get(ALL_SCENARIOS_URL, **token, **org_headers(guest, host))
    assert response.status_code == 200
    assert response.json()["scenario"] == "guest"
    assert response.json()["id"] == str(host.pk)


def test_self_only_endpoint_refuses_host_and_guest(api, host, guest, client_token, member_token):
    as_host = api.get(SELF_ONLY_URL, **client_token, **org_headers(host, guest))
    as_guest = api.get(SELF_ONLY_URL, **member_token(guest, "owner"), **org_headers(guest, host))

    for response, scenario in ((as_host, "host"), (as_guest, "guest")):
        assert response.status_code == 403
        assert response.json()["detail"][0]["msg"] == f"This operation is not allowed in the {scenario} scenario."
    assert api.get(SELF_ONLY_URL, **client_token, **org_headers(host)).status_code == 200


@pytest.mark.parametrize("missing", ["HTTP_REQUESTER_ORGANIZATION_ID", "HTTP_TARGET_ORGANIZATION_ID"])
def test_missing_header_is_422_naming_the_header(api, host, client_token, missing):
    headers = org_headers(host)
    del headers[missing]
    response = api.get(ALL_SCENARIOS_URL, **client_token, **headers)
    assert response.status_code == 422
    name = "Requester-Organization-ID" if "REQUESTER" in missing else "Target-Organization-ID"
    assert response.json() == {
        "detail": [{"loc": ["header", name], "msg": "Field required", "type": "missing", "code": "required"}]
    }


@pytest.mark.parametrize("value", ["not-a-uuid", "", "   ", "1234", "054b4106-174b-46b0-97f8-86d8d7b6f0aX"])
def test_malformed_header_is_422(api, host, client_token, value):
    response = api.get(
        ALL_SCENARIOS_URL,
        **client_token,
        HTTP_REQUESTER_ORGANIZATION_ID=value,
        HTTP_TARGET_ORGANIZATION_ID=str(host.pk),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Requester-Organization-ID"]


def test_requester_that_is_not_the_callers_organization_is_403(api, host, guest, client_token):
    # the token belongs to host; claiming to be guest (even a connected one) is refused
    response = api.get(ALL_SCENARIOS_URL, **client_token, **org_headers(guest, guest))
    assert response.status_code == 403
    assert "not one of the caller's organizations" in response.json()["detail"][0]["msg"]


def test_session_user_may_act_as_any_of_their_organizations(api, host, guest, owner):
    from tests.factories.organizations import MembershipFactory

    MembershipFactory(user=owner, organization=guest, role="viewer")
    api.force_authenticate(user=owner)
    assert api.get(ALL_SCENARIOS_URL, **org_headers(guest, guest)).json()["scenario"] == "self"
    assert api.get(ALL_SCENARIOS_URL, **org_headers(host, guest)).json()["scenario"] == "host"
    assert api.get(ALL_SCENARIOS_URL, **org_headers(OrganizationFactory())).status_code == 403


@pytest.mark.parametrize("target", ["unrelated", "unknown"])
def test_unconnected_or_unknown_target_is_403_with_the_same_message(api, host, client_token, target):
    target_id = OrganizationFactory().pk if target == "unrelated" else uuid.uuid4()
    response = api.get(
        ALL_SCENARIOS_URL,
        **client_token,
        HTTP_REQUESTER_ORGANIZATION_ID=str(host.pk),
        HTTP_TARGET_ORGANIZATION_ID=str(target_id),
    )
    assert response.status_code == 403
    assert response.json()["detail"][0]["msg"] == "The requester has no connection with the target organization."


@pytest.mark.parametrize("change", [{"status": OrganizationConnectionStatus.DISCONNECTED}, {"archived": True}])
def test_disconnected_or_archived_connection_gives_no_access(api, host, client_token, change):
    guest = OrganizationFactory()
    OrganizationConnectionFactory(host=host, guest=guest, **change)
    response = api.get(ALL_SCENARIOS_URL, **client_token, **org_headers(host, guest))
    assert response.status_code == 403
