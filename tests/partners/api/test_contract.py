"""Real responses of every implemented network operation validate against the reference's response schemas
(tests/contracts: a verbatim copy of the public spec)."""

import pytest

from tests.contracts import assert_matches_reference
from tests.factories.organizations import OrganizationFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerConfigFactory, PartnerFactory
from tests.partners.api.test_connections import signed, signing_body
from tests.partners.conftest import network_token, url

pytestmark = pytest.mark.django_db


def checked(response, status: int):
    assert response.status_code == status, response.content
    assert_matches_reference(response)
    return response


def test_partner_operations_match_the_reference(api, enterprise, auth):
    PartnerConfigFactory(enterprise=enterprise, public_key="")
    body = {"name": "Acme", "broker": True, "institutionIdentifier": "acme", "connectionKeySchema": "token"}
    checked(api.post(url(enterprise, "partners"), body, format="json", **auth), 200)
    PartnerFactory(institution_id="6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", client_dispute_window_minutes=5)
    checked(api.get(url(enterprise, "partners"), **auth), 200)
    checked(api.post(url(enterprise, "partners"), {**body, "name": ""}, format="json", **auth), 400)
    checked(api.post(url(OrganizationFactory(), "partners"), body, format="json", **auth), 401)


def test_partner_create_errors_match_the_reference(api, auth):
    unlicensed = OrganizationFactory()
    body = {"name": "Acme", "broker": True, "institutionIdentifier": "acme", "connectionKeySchema": "token"}
    checked(api.post(url(unlicensed, "partners"), body, format="json", **network_token(unlicensed)), 403)


def test_client_and_connection_operations_match_the_reference(api, enterprise, auth, signing_key):
    checked(api.post(url(enterprise, "clients"), **auth), 200)
    partner = PartnerFactory()
    body = signing_body(partner)
    checked(api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth), 200)
    created = checked(
        api.post(
            url(enterprise, "clients/connections"),
            signed(api, enterprise, auth, signing_key, body),
            format="json",
            **auth,
        ),
        200,
    )
    connection_id = created.json()["connection"]["id"]
    checked(api.get(url(enterprise, "clients/connections"), **auth), 200)
    checked(api.get(url(enterprise, f"clients/connections/{connection_id}"), **auth), 200)
    checked(
        api.put(url(enterprise, f"clients/connections/{connection_id}"), {"active": False}, format="json", **auth), 200
    )
    checked(api.get(url(enterprise, f"clients/connections/{ConnectionFactory().pk}"), **auth), 404)
    unknown = {**body, "partnerId": "00000000-0000-4000-8000-000000000000"}
    checked(api.post(url(enterprise, "clients/connections/signing"), unknown, format="json", **auth), 404)


def test_partner_side_operations_match_the_reference(api, enterprise, auth):
    me = PartnerFactory(enterprise=enterprise, client=NetworkClientFactory(enterprise=enterprise))
    connection = ConnectionFactory(partner=me, partners_client_id="c-1")
    checked(api.get(url(enterprise, "partners/connections"), **auth), 200)
    checked(api.get(url(enterprise, f"partners/connections/{connection.pk}"), **auth), 200)
