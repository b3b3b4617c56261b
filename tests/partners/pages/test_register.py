"""Registering as a partner from the web page: seed 000's fields, and a page that explains instead of failing."""

import pytest

from organizations.models import Role
from partners.models import Partner
from tests.factories.organizations import OrganizationFactory
from tests.factories.partners import PartnerConfigFactory, PartnerFactory
from tests.partners.pages.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/network/register"
FORM = {
    "name": "Acme Prime",
    "institution_identifier": "LEI-5493001KJTIIGC8Y1R12",
    "institution_id": "6f1c7f0e-2a8b-4a53-9d55-0c3c2b7f1d11",
    "connection_key_schema": "apiKeyAndSecret",
    "broker": "on",
    "client_dispute_window_minutes": "60",
    "top_up_window_minutes": "30",
    "allocation_policies_enabled": "on",
}


@pytest.fixture
def config(enterprise):
    return PartnerConfigFactory(enterprise=enterprise, settlement_transaction_route_id="route-acme")


def test_an_owner_registers_the_enterprise_as_a_partner(owner_client, enterprise, config):
    assert '<button class="button" type="submit">Register as a partner</button>' in owner_client.get(URL).text

    response = owner_client.post(URL, FORM, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    partner = Partner.objects.get(enterprise=enterprise)
    assert (partner.name, partner.institution_identifier, str(partner.institution_id)) == (
        "Acme Prime",
        "LEI-5493001KJTIIGC8Y1R12",
        FORM["institution_id"],
    )
    assert partner.connection_key_schema == "apiKeyAndSecret"
    assert partner.broker and partner.allocation_policies_enabled
    assert (partner.client_dispute_window_minutes, partner.top_up_window_minutes) == (60, 30)
    assert partner.config == config
    assert "Acme Prime is now a network partner." in response.text
    assert f"{enterprise.name} is a network partner" in response.text
    assert str(partner.pk) in response.text


def test_optional_fields_may_stay_empty(owner_client, enterprise, config):
    form = {**FORM, "institution_id": "", "client_dispute_window_minutes": "", "top_up_window_minutes": ""}
    del form["broker"], form["allocation_policies_enabled"]

    owner_client.post(URL, form)

    partner = Partner.objects.get(enterprise=enterprise)
    assert partner.institution_id is None
    assert partner.client_dispute_window_minutes is None
    assert not partner.broker
    assert not partner.allocation_policies_enabled


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "", "This field is required."),
        ("name", "Acme\u202eemca", "Remove the invisible or control character U+202E"),
        ("institution_identifier", "   ", "This field is required."),
        ("connection_key_schema", "password", "Select a valid choice."),
        ("client_dispute_window_minutes", "-1", "Ensure this value is greater than or equal to 0."),
        ("top_up_window_minutes", "soon", "Enter a whole number."),
        ("institution_id", "not-a-uuid", "Enter a valid UUID."),
    ],
)
def test_errors_show_next_to_their_field_and_nothing_is_created(owner_client, config, field, value, error):
    response = owner_client.post(URL, {**FORM, field: value})

    assert response.status_code == 200
    assert f'<div class="field-error" id="id_{field}_error"><p>{error}' in response.text
    assert not Partner.objects.exists()
    if field != "name":
        assert 'value="Acme Prime"' in response.text  # what was typed is kept


def test_without_a_partner_config_the_page_says_to_ask_staff(owner_client):
    page = owner_client.get(URL)

    assert page.status_code == 200
    assert "No partner configuration yet" in page.text
    assert "Ask the network's staff to create it" in page.text
    assert "<form" not in page.text.split('<main id="main"')[1].split("</main>")[0]

    response = owner_client.post(URL, FORM)  # a form posted anyway gets the service's answer, on the form
    assert response.status_code == 200
    assert "Partner configuration is missing." in response.text
    assert not Partner.objects.exists()


def test_an_existing_partner_is_shown_and_cannot_register_twice(owner_client, enterprise):
    partner = PartnerFactory(enterprise=enterprise, name="Acme Prime")

    page = owner_client.get(URL).text
    assert f"{enterprise.name} is a network partner" in page
    assert str(partner.pk) in page

    response = owner_client.post(URL, {**FORM, "name": "Acme Again"})
    assert "This enterprise is already a network partner." in response.text
    assert list(Partner.objects.values_list("name", flat=True)) == ["Acme Prime"]


def test_a_viewer_may_not_register(client, enterprise, config):
    sign_in(client, enterprise, Role.VIEWER)

    assert client.get(URL).status_code == 403
    assert client.post(URL, FORM).status_code == 403
    assert not Partner.objects.exists()


def test_without_a_license_the_page_says_so_and_nothing_is_created(client):
    organization = OrganizationFactory()
    PartnerConfigFactory(enterprise=organization)
    sign_in(client, organization)

    page = client.get(URL)
    assert page.status_code == 200
    assert "No network license" in page.text

    response = client.post(URL, FORM)
    assert response.status_code == 403
    assert "No network license" in response.text
    assert not Partner.objects.exists()
