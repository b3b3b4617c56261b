"""The Network overview: the network client, the partner status, and what to do without a license."""

import pytest

from organizations.models import Role
from partners.models import NetworkClient
from tests.factories.organizations import OrganizationFactory
from tests.factories.partners import PartnerConfigFactory, PartnerFactory
from tests.partners.pages.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/network/"
CLIENT = "/network/client"


def test_without_a_license_the_overview_says_so_and_what_to_do(client):
    organization = OrganizationFactory(name="Initech")
    sign_in(client, organization)

    response = client.get(URL)

    assert response.status_code == 200
    assert "No network license" in response.text
    assert "Ask the network's staff to grant one" in response.text
    assert "Create the network client" not in response.text


def test_an_owner_creates_the_network_client(owner_client, enterprise):
    assert "Create the network client" in owner_client.get(URL).text

    response = owner_client.post(CLIENT, follow=True)

    client = NetworkClient.objects.get(enterprise=enterprise)
    assert response.redirect_chain == [(URL, 302)]
    assert f"{enterprise.name} has its network client (BitGo Trust)." in response.text
    assert str(client.pk) in response.text
    assert "Create the network client" not in response.text
    # idempotent: a second press changes nothing
    owner_client.post(CLIENT)
    assert NetworkClient.objects.filter(enterprise=enterprise).count() == 1


def test_a_viewer_sees_the_overview_but_cannot_create_the_client(client, enterprise):
    sign_in(client, enterprise, Role.VIEWER)

    page = client.get(URL)
    assert page.status_code == 200
    assert "Create the network client" not in page.text

    assert client.post(CLIENT).status_code == 403
    assert not NetworkClient.objects.exists()


def test_creating_the_client_without_a_license_is_refused_and_explained(client):
    sign_in(client, OrganizationFactory())

    response = client.post(CLIENT)

    assert response.status_code == 403
    assert "No network license" in response.text
    assert not NetworkClient.objects.exists()


def test_the_partner_status_says_whether_one_can_register(owner_client, enterprise):
    assert "Registering needs a partner configuration, which the network's staff set up" in owner_client.get(URL).text

    PartnerConfigFactory(enterprise=enterprise)
    assert "you can register as a partner" in owner_client.get(URL).text


def test_a_partner_sees_its_partner_record(owner_client, enterprise):
    partner = PartnerFactory(enterprise=enterprise, name="Acme Prime")

    page = owner_client.get(URL).text

    assert "Acme Prime" in page
    assert str(partner.pk) in page


def test_the_network_link_follows_read_network(client, enterprise):
    sign_in(client, enterprise, Role.VIEWER)
    assert 'href="/network/"' in client.get("/").text
