"""Network fixtures: an enterprise with the network license and a caller holding READ_ and WRITE_NETWORK."""

import pytest

from organizations.tokens import token_issue_for_client
from tests.conftest import bearer
from tests.factories.organizations import ApiClientFactory, LicenseFactory, OrganizationFactory, SigningKeyFactory

NETWORK_PERMISSIONS = ["READ_NETWORK", "WRITE_NETWORK"]


def network_token(organization, permissions=NETWORK_PERMISSIONS) -> dict[str, str]:
    api_client = ApiClientFactory(organization=organization, permissions=permissions)
    return bearer(token_issue_for_client(api_client=api_client).access_token)


@pytest.fixture
def enterprise(db):
    enterprise = OrganizationFactory(name="Acme Exchange")
    LicenseFactory(organization=enterprise)
    return enterprise


@pytest.fixture
def auth(enterprise):
    return network_token(enterprise)


@pytest.fixture
def signing_key(enterprise):
    return SigningKeyFactory(organization=enterprise)


def url(enterprise, rest: str = "") -> str:
    return f"/api/network/v1/enterprises/{enterprise.pk}/{rest}"


def network_error(response, status: int) -> str:
    """Asserts a network-dialect error of `status` (`{"error", "name", "requestId"}`, a message); returns its name."""
    assert response.status_code == status, response.content
    body = response.json()
    assert {"error", "name", "requestId"} <= set(body) and body["error"] and body["requestId"], body
    return body["name"]
