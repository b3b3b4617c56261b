"""Network page fixtures: a signed-in member of a licensed enterprise (the `enterprise` of tests/partners)."""

import pytest

from organizations.models import Role
from tests.factories.organizations import MembershipFactory


def sign_in(client, organization, role=Role.OWNER):
    membership = MembershipFactory(organization=organization, role=role)
    client.force_login(membership.user)
    return membership


@pytest.fixture
def owner_client(client, enterprise):
    """The Django test client, signed in as an owner of `enterprise` (which holds the network license)."""
    client.membership = sign_in(client, enterprise)
    return client
