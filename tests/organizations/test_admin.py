"""Staff admin: every screen loads, secrets never show, licenses record who granted them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import ApiClient, License, SigningKey
from organizations.services import custodial_key_enable
from tests.factories.organizations import (
    DEFAULT_PASSWORD,
    ApiClientFactory,
    LicenseFactory,
    MembershipFactory,
    OrganizationConnectionFactory,
    OrganizationFactory,
    SigningKeyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "organization",
    "membership",
    "license",
    "apiclient",
    "signingkey",
    "usednonce",
    "organizationconnection",
    "custodialsigningkey",
]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def data(organization):
    MembershipFactory(organization=organization)
    LicenseFactory(organization=organization)
    OrganizationConnectionFactory(host=organization)
    owner = MembershipFactory(organization=organization, role="owner")
    return {
        "custodialsigningkey": custodial_key_enable(
            organization=organization, user=owner.user, actor_role="owner", password=DEFAULT_PASSWORD
        ),
        "organization": organization,
        "apiclient": ApiClientFactory(organization=organization),
        "signingkey": SigningKeyFactory(organization=organization),
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_search_load(staff_client, data, model):
    url = reverse(f"admin:organizations_{model}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "x"}).status_code == 200


def test_api_client_admin_never_shows_the_secret_hash(staff_client, data):
    api_client = data["apiclient"]
    page = staff_client.get(reverse("admin:organizations_apiclient_change", args=[api_client.pk]))
    assert page.status_code == 200
    assert api_client.client_id in page.content.decode()
    assert api_client.secret_hash not in page.content.decode()
    assert api_client.raw_secret not in page.content.decode()


def test_custodial_key_admin_is_read_only_and_masks_the_private_key(staff_client, data):
    custodial = data["custodialsigningkey"]

    page = staff_client.get(reverse("admin:organizations_custodialsigningkey_change", args=[custodial.pk])).text
    listing = staff_client.get(reverse("admin:organizations_custodialsigningkey_changelist")).text

    assert "•••••••• (encrypted at rest, never shown)" in page
    assert custodial.private_key not in page
    assert custodial.private_key not in listing
    assert 'name="_save"' not in page
    response = staff_client.post(
        reverse("admin:organizations_custodialsigningkey_change", args=[custodial.pk]), {"active": ""}
    )
    assert response.status_code == 403
    custodial.refresh_from_db()
    assert custodial.active


def test_revoke_action(staff_client, data):
    api_client = data["apiclient"]
    response = staff_client.post(
        reverse("admin:organizations_apiclient_changelist"),
        {"action": "revoke", "_selected_action": [str(api_client.pk)]},
    )
    assert response.status_code == 302
    assert ApiClient.objects.get(pk=api_client.pk).active is False


def test_deactivate_key_action(staff_client, data):
    key = data["signingkey"]
    staff_client.post(
        reverse("admin:organizations_signingkey_changelist"),
        {"action": "deactivate", "_selected_action": [str(key.pk)]},
    )
    assert SigningKey.objects.get(pk=key.pk).active is False


def test_staff_grants_a_license_and_is_recorded(staff_client):
    organization = OrganizationFactory()
    now = timezone.now()
    response = staff_client.post(
        reverse("admin:organizations_license_add"),
        {
            "organization": str(organization.pk),
            "product": "network",
            "trust_org": "BitGo Germany",
            "valid_from_0": now.strftime("%Y-%m-%d"),
            "valid_from_1": now.strftime("%H:%M:%S"),
            "valid_until_0": "",
            "valid_until_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    license_ = License.objects.get(organization=organization)
    assert license_.granted_by.is_staff
    assert license_.trust_org == "BitGo Germany"


def test_non_staff_cannot_enter_the_admin(client, organization):
    client.force_login(MembershipFactory(organization=organization).user)
    response = client.get(reverse("admin:organizations_apiclient_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_used_nonces_cannot_be_deleted(staff_client, organization):
    """A deleted nonce could be used again: its signed request would replay."""
    from organizations.models import UsedNonce

    nonce = UsedNonce.objects.create(organization=organization, nonce="n-1")
    response = staff_client.post(reverse("admin:organizations_usednonce_delete", args=[nonce.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert UsedNonce.objects.filter(pk=nonce.pk).exists()
