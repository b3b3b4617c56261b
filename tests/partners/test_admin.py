"""Staff screens of the network: partner configs with their history, read-only partners/clients/connections with
actions that call the services, connection keys never shown."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse

from organizations.models import TrustOrg
from partners.models import Currency, PartnerConfig
from tests.factories.organizations import OrganizationFactory, UserFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerConfigFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True, username="stella")
    client.force_login(user)
    return client


def pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def config_form(enterprise, **changes) -> dict:
    return {
        "enterprise": str(enterprise.pk),
        "trust_org": "BitGo Trust",
        "settlement_transaction_route_id": "route-1",
        "public_key": "",
        "supported_currencies": [str(Currency.objects.get(code="tbtc").pk)],
        **changes,
    }


@pytest.mark.parametrize("model", ["partnerconfig", "partner", "networkclient", "connection", "currency"])
def test_every_screen_loads(staff, model):
    ConnectionFactory()
    assert staff.get(reverse(f"admin:partners_{model}_changelist")).status_code == 200


def test_staff_create_and_change_a_partner_config_and_read_its_history(staff):
    enterprise = OrganizationFactory(name="Acme")
    key = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    response = staff.post(reverse("admin:partners_partnerconfig_add"), config_form(enterprise, public_key=key))
    assert response.status_code == 302, response.content.decode()[:3000]
    config = PartnerConfig.objects.get(enterprise=enterprise)
    assert config.public_key == key.strip() and [c.code for c in config.supported_currencies.all()] == ["tbtc"]

    # One history row per save, with the currencies of that save (issue 15: two rows, the first without currencies).
    assert [
        (h.history_type, [c.currency.code for c in h.supported_currencies.all()]) for h in config.history.all()
    ] == [("+", ["tbtc"])]

    change = reverse("admin:partners_partnerconfig_change", args=[config.pk])
    tbtc, teth = (str(Currency.objects.get(code=code).pk) for code in ("tbtc", "teth"))
    response = staff.post(
        change, config_form(enterprise, public_key=key, trust_org="BitGo Germany", supported_currencies=[tbtc, teth])
    )
    assert response.status_code == 302
    history = config.history.order_by("history_date")
    assert [h.history_type for h in history] == ["+", "~"]
    assert sorted(c.currency.code for c in history.last().supported_currencies.all()) == ["tbtc", "teth"]
    assert (history.first().trust_org, history.last().trust_org) == ("BitGo Trust", "BitGo Germany")
    assert {h.history_user.username for h in history} == {"stella"}
    page = staff.get(reverse("admin:partners_partnerconfig_history", args=[config.pk]))
    assert page.status_code == 200 and "BitGo Germany" in page.text


@pytest.mark.parametrize(
    ("public_key", "message"),
    [
        ("not a key", "Not a PEM public key"),
        (pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA public key"),
        (pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)), "at least 2048 bits"),  # noqa: S505
    ],
)
def test_a_partner_public_key_must_be_an_rsa_pem(staff, public_key, message):
    response = staff.post(
        reverse("admin:partners_partnerconfig_add"), config_form(OrganizationFactory(), public_key=public_key)
    )
    assert response.status_code == 200 and message in response.text
    assert not PartnerConfig.objects.exists()


def test_partner_actions_go_through_the_services(staff):
    partner = PartnerFactory()
    url = reverse("admin:partners_partner_changelist")
    staff.post(url, {"action": "deactivate", "_selected_action": [str(partner.pk)]})
    partner.refresh_from_db()
    assert partner.active is False
    staff.post(url, {"action": "mark_stable", "_selected_action": [str(partner.pk)]})
    partner.refresh_from_db()
    assert partner.stable is True
    change = reverse("admin:partners_partner_change", args=[partner.pk])
    staff.post(change, {"name": "Renamed"})
    partner.refresh_from_db()
    assert partner.name != "Renamed"  # every field is read-only


def test_connection_keys_never_show(staff):
    connection = ConnectionFactory(connection_key={"schema": "token", "connectionToken": "very-secret-token"})
    page = staff.get(reverse("admin:partners_connection_change", args=[connection.pk]))
    assert page.status_code == 200
    assert "very-secret-token" not in page.text and "encrypted, never shown" in page.text
    listing = staff.get(reverse("admin:partners_connection_changelist") + "?q=very-secret-token")
    assert connection.name not in listing.text  # the key is not searchable either


def test_network_clients_are_read_only(staff):
    client = NetworkClientFactory()
    assert staff.post(reverse("admin:partners_networkclient_change", args=[client.pk]), {}).status_code == 403


def test_trust_organizations_read_as_the_brand_spells_them(staff):
    """Issue 15: the labels were derived from the members' names ("Bitgo Trust")."""
    PartnerConfigFactory(trust_org="BitGo Trust")
    for url in (reverse("admin:partners_partnerconfig_changelist"), reverse("admin:partners_partnerconfig_add")):
        page = staff.get(url).text
        assert "BitGo Trust" in page and "Bitgo" not in page
    assert TrustOrg.BITGO_TRUST.label == "BitGo Trust"
    assert all(choice.label == choice.value for choice in TrustOrg)


def test_reverting_a_config_from_its_history_writes_one_row(staff):
    enterprise = OrganizationFactory(name="Acme")
    staff.post(reverse("admin:partners_partnerconfig_add"), config_form(enterprise))
    config = PartnerConfig.objects.get(enterprise=enterprise)
    staff.post(
        reverse("admin:partners_partnerconfig_change", args=[config.pk]),
        config_form(enterprise, trust_org="BitGo Germany"),
    )
    first = config.history.order_by("history_date").first()

    url = reverse("admin:partners_partnerconfig_simple_history", args=[config.pk, first.history_id])
    response = staff.post(url, config_form(enterprise))

    assert response.status_code == 302
    assert [h.history_type for h in config.history.order_by("history_date")] == ["+", "~", "~"]
    config.refresh_from_db()
    assert config.trust_org == "BitGo Trust"
