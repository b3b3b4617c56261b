"""GET .../partners: the network's directory, every filter of the reference, pages, order, constant queries."""

import uuid

import pytest

from partners.models import ConnectionKeySchema
from tests.factories.partners import NetworkClientFactory, PartnerConfigFactory, PartnerFactory
from tests.partners.conftest import url
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["partners"]]


@pytest.fixture
def partners(db):
    return {
        "alpha": PartnerFactory(name="Alpha", allocation_policies_enabled=True, institution_id=uuid.uuid4()),
        "beta": PartnerFactory(name="Beta", active=False, institution_identifier="beta-inst"),
        "gamma": PartnerFactory(
            name="Gamma", connection_key_schema=ConnectionKeySchema.CLEARLOOP, config__trust_org="BitGo Korea"
        ),
    }


def test_lists_every_partner_by_name_with_directory_fields(api, enterprise, auth, partners):
    response = api.get(url(enterprise, "partners"), **auth)
    assert names(response) == ["Alpha", "Beta", "Gamma"]
    alpha = response.json()["partners"][0]
    assert alpha["stablePartner"] is False and alpha["trustOrg"] == "BitGo Trust"
    assert "broker" not in alpha and "clientId" not in alpha


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda p: {"ids": f"{p['alpha'].pk},{p['gamma'].pk}"}, ["Alpha", "Gamma"]),
        (lambda p: {"names": ["Beta", "Gamma"]}, ["Beta", "Gamma"]),
        (lambda p: {"institutionIds": str(p["alpha"].institution_id)}, ["Alpha"]),
        (lambda p: {"institutionIdentifiers": "beta-inst"}, ["Beta"]),
        (lambda p: {"active": "true"}, ["Alpha", "Gamma"]),
        (lambda p: {"active": "false"}, ["Beta"]),
        (lambda p: {"allocationPoliciesEnabled": "true"}, ["Alpha"]),
        (lambda p: {"filterByTrustOrg": "true"}, ["Alpha", "Beta"]),
        (lambda p: {"filterByTrustOrg": "false"}, ["Alpha", "Beta", "Gamma"]),
    ],
)
def test_each_filter(api, enterprise, auth, partners, query, expected):
    NetworkClientFactory(enterprise=enterprise, trust_org="BitGo Trust")
    assert names(api.get(url(enterprise, "partners"), query(partners), **auth)) == expected


def test_trust_org_filter_uses_the_license_before_a_client_exists(api, enterprise, auth, partners):
    assert names(api.get(url(enterprise, "partners"), {"filterByTrustOrg": "true"}, **auth)) == ["Alpha", "Beta"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"ids": "nope"}, "ids"),
        ({"active": "yes"}, "active"),
        ({"pageSize": "0"}, "pageSize"),
        # Given empty, a boolean or a page parameter is refused, not read as absent (the schema says boolean/integer).
        ({"active": ""}, "active"),
        ({"filterByTrustOrg": ""}, "filterByTrustOrg"),
        ({"pageSize": ""}, "pageSize"),
        ({"pageNumber": ""}, "pageNumber"),
    ],
)
def test_bad_filters_are_400(api, enterprise, auth, query, field):
    response = api.get(url(enterprise, "partners"), query, **auth)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == field


def test_pages_are_stable(api, enterprise, auth, partners):
    first = names(api.get(url(enterprise, "partners"), {"pageSize": 2}, **auth))
    second = names(api.get(url(enterprise, "partners"), {"pageSize": 2, "pageNumber": 1}, **auth))
    assert first + second == ["Alpha", "Beta", "Gamma"]


def test_query_count_does_not_grow_with_partners(api, enterprise, auth):
    PartnerFactory()
    assert_constant_queries(
        fetch=lambda: api.get(url(enterprise, "partners"), {"pageSize": 100}, **auth),
        add_rows=lambda n: PartnerFactory.create_batch(n),
        count=lambda response: len(response.json()["partners"]),
    )


def test_partner_config_of_a_partner_is_not_needed_by_the_reader(api, enterprise, auth):
    PartnerConfigFactory()  # a config without a partner is not in the directory
    assert names(api.get(url(enterprise, "partners"), **auth)) == []
