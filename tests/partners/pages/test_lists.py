"""The partner directory and the connection lists: filters, pagination, tenancy and constant query counts."""

import re

import pytest

from organizations.models import Role, TrustOrg
from tests.factories.organizations import OrganizationFactory
from tests.factories.partners import (
    ConnectionFactory,
    NetworkClientFactory,
    PartnerConfigFactory,
    PartnerFactory,
)
from tests.partners.pages.conftest import sign_in
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

DIRECTORY = "/network/partners"
CONNECTIONS = "/network/connections"
INCOMING = "/network/incoming"


def partner_names(page: str) -> list[str]:
    table = re.search(r'<table data-testid="partners">(.*?)</table>', page, re.S).group(1)
    return re.findall(r"<td><strong>([^<]+)</strong>", table)


def rows(page: str, testid: str) -> int:
    table = re.search(rf'<table data-testid="{testid}">(.*?)</table>', page, re.S).group(1)
    return len(re.findall(r"<tr(?: class=\"is-inactive\")?>\s*<td>", table))


# --- directory ---------------------------------------------------------------------------------------------------


def test_the_directory_filters(owner_client, enterprise):
    NetworkClientFactory(enterprise=enterprise)  # of BitGo Trust
    PartnerFactory(name="Alpha", allocation_policies_enabled=True)
    PartnerFactory(name="Bravo", active=False)
    other_trust = PartnerConfigFactory(trust_org=TrustOrg.BITGO_NEW_YORK)
    PartnerFactory(name="Charlie", enterprise=other_trust.enterprise, config=other_trust)

    def names(query: str = "") -> list[str]:
        response = owner_client.get(f"{DIRECTORY}{query}")
        assert response.status_code == 200
        return partner_names(response.text)

    assert names() == ["Alpha", "Bravo", "Charlie"]
    assert names("?names=Charlie,+Alpha") == ["Alpha", "Charlie"]
    assert names("?active=true") == ["Alpha", "Charlie"]
    assert names("?active=false") == ["Bravo"]
    assert names("?filter_by_trust_org=on") == ["Alpha", "Bravo"]
    assert names("?allocation_policies_enabled=true") == ["Alpha"]
    assert names("?allocation_policies_enabled=false&active=true") == ["Charlie"]
    assert names("?names=Nobody") == []


def test_the_directory_pages_keep_the_filters(owner_client):
    for n in range(30):
        PartnerFactory(name=f"Partner {n:02d}")

    first = owner_client.get(f"{DIRECTORY}?active=true").text
    second = owner_client.get(f"{DIRECTORY}?active=true&page=2").text

    assert len(partner_names(first)) == 25
    assert partner_names(second) == [f"Partner {n}" for n in range(25, 30)]
    assert 'href="?active=true&amp;page=2"' in first
    assert "Page 2 of 2" in second


def test_connect_links_are_for_members_who_may_connect(client, enterprise):
    partner = PartnerFactory(name="Alpha")
    sign_in(client, enterprise, Role.VIEWER)
    assert f"?partner={partner.pk}" not in client.get(DIRECTORY).text

    sign_in(client, enterprise, Role.OPERATOR)
    assert f"/network/connections/new?partner={partner.pk}" in client.get(DIRECTORY).text


def test_without_a_license_the_directory_says_so(client):
    sign_in(client, OrganizationFactory())
    page = client.get(DIRECTORY)
    assert page.status_code == 200
    assert "No network license" in page.text


def test_the_directory_costs_the_same_queries_for_1_and_25_partners(owner_client, enterprise):
    NetworkClientFactory(enterprise=enterprise)
    PartnerFactory()
    assert_constant_queries(
        lambda: owner_client.get(f"{DIRECTORY}?filter_by_trust_org=on"),
        lambda n: PartnerFactory.create_batch(n),  # a page holds 25
        lambda response: len(partner_names(response.text)),
        rows=24,
    )


# --- my connections ----------------------------------------------------------------------------------------------


def test_my_connections_lists_only_mine_and_filters(owner_client, enterprise):
    mine = NetworkClientFactory(enterprise=enterprise)
    ConnectionFactory(client=mine, name="Live one")
    ConnectionFactory(client=mine, name="Old one", active=False)
    ConnectionFactory(name="Someone else's")

    page = owner_client.get(CONNECTIONS).text
    assert "Live one" in page and "Old one" in page
    assert "Someone else" not in page
    assert "Old one" not in owner_client.get(f"{CONNECTIONS}?active=true").text
    assert "Live one" not in owner_client.get(f"{CONNECTIONS}?active=false").text


def test_my_connections_cost_the_same_queries_for_1_and_25(owner_client, enterprise):
    mine = NetworkClientFactory(enterprise=enterprise)
    ConnectionFactory(client=mine)
    assert_constant_queries(
        lambda: owner_client.get(CONNECTIONS),
        lambda n: ConnectionFactory.create_batch(n, client=mine),
        lambda response: rows(response.text, "connections"),
        rows=24,
    )


# --- connection detail and activation ---------------------------------------------------------------------------


def test_the_detail_page_shows_the_connection_but_never_its_key(owner_client, enterprise):
    connection = ConnectionFactory(client=NetworkClientFactory(enterprise=enterprise), name="Main")

    page = owner_client.get(f"{CONNECTIONS}/{connection.pk}").text

    assert "Main" in page
    assert str(connection.network_account_id) in page
    assert "secret-token" not in page


def test_an_owner_deactivates_and_reactivates_a_connection(owner_client, enterprise):
    connection = ConnectionFactory(client=NetworkClientFactory(enterprise=enterprise), name="Main")
    url = f"{CONNECTIONS}/{connection.pk}/active"

    response = owner_client.post(url, {"active": "false"}, follow=True)
    assert response.redirect_chain == [(f"{CONNECTIONS}/{connection.pk}", 302)]
    assert "Connection “Main” is deactivated" in response.text
    connection.refresh_from_db()
    assert not connection.active

    owner_client.post(url, {"active": "true"})
    connection.refresh_from_db()
    assert connection.active


def test_a_viewer_sees_the_connection_but_may_not_deactivate_it(client, enterprise):
    connection = ConnectionFactory(client=NetworkClientFactory(enterprise=enterprise))
    sign_in(client, enterprise, Role.VIEWER)

    page = client.get(f"{CONNECTIONS}/{connection.pk}")
    assert page.status_code == 200
    assert "Deactivate" not in page.text
    assert client.post(f"{CONNECTIONS}/{connection.pk}/active", {"active": "false"}).status_code == 403
    connection.refresh_from_db()
    assert connection.active


def test_another_enterprises_connection_is_404(owner_client, enterprise):
    theirs = ConnectionFactory()
    # even a connection made to this enterprise as a partner is not its own connection to see or switch off here
    to_me = ConnectionFactory(partner=PartnerFactory(enterprise=enterprise))

    for connection in (theirs, to_me):
        assert owner_client.get(f"{CONNECTIONS}/{connection.pk}").status_code == 404
        assert owner_client.post(f"{CONNECTIONS}/{connection.pk}/active", {"active": "false"}).status_code == 404
        connection.refresh_from_db()
        assert connection.active


# --- incoming connections ----------------------------------------------------------------------------------------


def test_a_partner_sees_the_connections_made_to_it(owner_client, enterprise):
    partner = PartnerFactory(enterprise=enterprise, name="Acme Prime")
    globex = OrganizationFactory(name="Globex Trading")
    ConnectionFactory(partner=partner, client=NetworkClientFactory(enterprise=globex), name="Globex main")
    ConnectionFactory(name="Not to me")

    page = owner_client.get(INCOMING).text

    assert "Connections to Acme Prime" in page
    assert "Globex Trading" in page and "Globex main" in page
    assert "Not to me" not in page


def test_a_non_partner_is_told_it_is_not_one(owner_client, enterprise):
    ConnectionFactory(name="Not to me")
    page = owner_client.get(INCOMING).text
    assert "is not a network partner" in page
    assert "Not to me" not in page


def test_incoming_connections_cost_the_same_queries_for_1_and_25(owner_client, enterprise):
    partner = PartnerFactory(enterprise=enterprise)
    ConnectionFactory(partner=partner)
    assert_constant_queries(
        lambda: owner_client.get(INCOMING),
        lambda n: ConnectionFactory.create_batch(n, partner=partner),
        lambda response: rows(response.text, "incoming"),
        rows=24,
    )
