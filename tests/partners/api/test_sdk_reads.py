# ruff: noqa: F811 - the fixtures imported below are used by name
"""Every read of BitGo's `TradingNetwork`, replayed request for request as the SDK sends it (tests/sdk.py: the filters
in a JSON body on the GET, its headers), and each filter narrows the answer. The settlement reads are in
tests/settlements/test_reads.py."""

import uuid

import pytest

from allocations.models import Allocation

# The allocation fixtures: a licensed client enterprise (Acme Exchange) with a connection to Bravo Exchange.
from tests.allocations.conftest import (  # noqa: F401 - fixtures
    auth,
    client_record,
    connection,
    enterprise,
    fund,
    partner,
    signed_request,
    signing_key,
    tbtc,
)
from tests.contracts import assert_matches_reference
from tests.factories.partners import ConnectionFactory, PartnerFactory
from tests.sdk import sdk_get

pytestmark = pytest.mark.django_db


def url(enterprise, rest: str) -> str:
    return f"/api/network/v1/enterprises/{enterprise.pk}/{rest}"


@pytest.fixture
def network(api, enterprise, auth, client_record, connection, partner, signing_key, tbtc):
    """A second partner (Charlie) and connection to it, and two allocations on the first connection."""
    other_partner = PartnerFactory(name="Charlie Markets")
    other = ConnectionFactory(client=client_record, partner=other_partner, name="Acme at Charlie")
    fund(client_record, tbtc, 1_000)
    create = url(enterprise, f"clients/connections/{connection.pk}/allocations")
    for quantity in ("100", "200"):
        response = api.post(create, signed_request(connection, signing_key, quantity=quantity), format="json", **auth)
        assert response.status_code == 200, response.json()
    return {"partner": partner, "other_partner": other_partner, "connection": connection, "other": other}


def test_the_constructor_loads_client_constants_anonymously(api):
    response = api.get("/api/v1/client/constants", HTTP_BITGO_SDK_VERSION="1.86.0")
    assert response.status_code == 200 and response.json() == {"constants": {}}


def test_get_partners(api, enterprise, auth, network):
    def names(params):
        response = sdk_get(api, url(enterprise, "partners"), params, auth, enterprise)
        assert response.status_code == 200, response.json()
        return sorted(p["name"] for p in response.json()["partners"])

    everyone = names(None)
    assert {"Bravo Exchange", "Charlie Markets"} <= set(everyone)
    assert names({"ids": [str(network["other_partner"].pk)]}) == ["Charlie Markets"]
    assert names({"names": ["Bravo Exchange"]}) == ["Bravo Exchange"]
    identifier = network["partner"].institution_identifier
    assert names({"institutionIdentifiers": [identifier]}) == ["Bravo Exchange"]
    assert names({"active": False}) == []
    assert names({"pageSize": 1, "pageNumber": 0}) == everyone[:1]


def test_get_connections_and_one_by_id(api, enterprise, auth, network):
    def listed(params):
        response = sdk_get(api, url(enterprise, "clients/connections"), params, auth, enterprise)
        assert response.status_code == 200, response.json()
        return sorted(c["name"] for c in response.json()["connections"])

    assert len(listed(None)) == 2
    assert listed({"names": ["Acme at Charlie"]}) == ["Acme at Charlie"]
    assert listed({"connectionIds": [str(network["connection"].pk)]}) == [network["connection"].name]
    assert listed({"partnerIds": [str(network["other_partner"].pk)]}) == ["Acme at Charlie"]
    assert listed({"active": True}) == listed(None) and listed({"active": False}) == []
    one = sdk_get(api, url(enterprise, f"clients/connections/{network['other'].pk}"), {}, auth, enterprise)
    assert one.status_code == 200 and "Acme at Charlie" in one.content.decode()


def test_get_allocations_and_one_by_id(api, enterprise, auth, network):
    def quantities(params):
        response = sdk_get(api, url(enterprise, "clients/allocations"), params, auth, enterprise)
        assert response.status_code == 200, response.json()
        assert_matches_reference(response)
        return [a["amount"]["quantity"] for a in response.json()["allocations"]]

    first = Allocation.objects.order_by("created_at").first()
    assert quantities(None) == ["100", "200"]
    assert quantities({"allocationIds": [str(first.pk)], "pageSize": 10}) == ["100"]
    assert quantities({"pageSize": 1}) == ["100"]
    assert quantities({"pageSize": "1", "pageNumber": "1"}) == ["200"]
    assert quantities({"connectionIds": [str(network["other"].pk)]}) == []
    assert quantities({"partnerIds": [str(network["partner"].pk)]}) == ["100", "200"]
    assert quantities({"statuses": ["released"]}) == []
    assert quantities({"types": ["deallocation"]}) == []
    assert quantities({"currencies": ["teth"]}) == []
    assert quantities({"sortField": "quantity", "sortDirection": "DESC"}) == ["200", "100"]
    one = sdk_get(api, url(enterprise, f"clients/allocations/{first.pk}"), {}, auth, enterprise)
    assert one.status_code == 200 and one.json()["allocation"]["id"] == str(first.pk)


def test_get_balances(api, enterprise, auth, network):
    def connections(params):
        response = sdk_get(api, url(enterprise, "clients/balances"), params, auth, enterprise)
        assert response.status_code == 200, response.json()
        assert_matches_reference(response)
        return set(response.json()["networkBalances"])

    both = {str(network["connection"].pk), str(network["other"].pk)}
    assert connections(None) == both
    assert connections({"connectionIds": [str(network["other"].pk)]}) == {str(network["other"].pk)}
    assert connections({"partnerIds": [str(network["partner"].pk)]}) == {str(network["connection"].pk)}
    assert len(connections({"pageSize": 1})) == 1


def test_get_supported_currencies(api, enterprise, auth, network):
    bravo = str(network["partner"].pk)
    response = sdk_get(api, url(enterprise, "supportedCurrencies"), {"partnerIds": [bravo]}, auth, enterprise)

    assert response.status_code == 200, response.json()
    assert set(response.json()["supportedCurrencies"]) == {bravo}
    assert [c["currency"] for c in response.json()["supportedCurrencies"][bravo]] == ["tbtc"]


def test_a_single_string_and_a_comma_separated_string_read_as_arrays(api, enterprise, auth, network):
    a, b = str(network["connection"].pk), str(network["other"].pk)
    single = sdk_get(api, url(enterprise, "clients/connections"), {"connectionIds": a}, auth, enterprise)
    joined = sdk_get(api, url(enterprise, "clients/connections"), {"connectionIds": f"{a},{b}"}, auth, enterprise)

    assert len(single.json()["connections"]) == 1
    assert len(joined.json()["connections"]) == 2


def test_an_unknown_id_in_the_body_is_refused_like_in_the_query(api, enterprise, auth, network):
    response = sdk_get(api, url(enterprise, "clients/connections"), {"connectionIds": ["nope"]}, auth, enterprise)
    assert response.status_code == 400 and response.json()["details"][0]["field"] == "connectionIds"
    assert (
        sdk_get(
            api, url(enterprise, "clients/connections"), {"connectionIds": [str(uuid.uuid4())]}, auth, enterprise
        ).json()["connections"]
        == []
    )


@pytest.mark.parametrize("query", ["names=", "connectionIds=", "names=a&names="])
def test_an_empty_item_in_an_array_filter_is_refused_not_ignored(api, enterprise, auth, network, query):
    """`?names=` answered the whole list as if unfiltered."""
    response = api.get(url(enterprise, "clients/connections") + "?" + query, **auth)
    assert response.status_code == 400, response.json()
    assert response.json()["details"][0]["field"] in ("names", "connectionIds")
