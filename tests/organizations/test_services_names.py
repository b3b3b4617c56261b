"""Names and labels are checked by the services too, whoever calls them (API, pages, admin actions, commands)."""

import pytest

from config.errors import ValidationFailed
from organizations import services
from organizations.models import ALL_PERMISSIONS, ApiClient, Organization, SigningKey
from tests.factories.organizations import OrganizationFactory, key_registration

pytestmark = pytest.mark.django_db
SPOOFED = "Acme\u202eevil"  # a right-to-left override: pages would show "Acmelive"


def test_organization_name_refuses_invisible_characters_and_blanks():
    for name, code in ((SPOOFED, "invalid_character"), ("  ", "blank"), ("a\u200bb", "invalid_character")):
        with pytest.raises(ValidationFailed) as raised:
            services.organization_create(name=name)
        assert [(e.field, e.code) for e in raised.value.errors] == [("name", code)]
    assert not Organization.objects.exists()
    assert services.organization_create(name="  Zürich Bank 東京  ").name == "Zürich Bank 東京"


def test_api_client_name_and_signing_key_label_refuse_invisible_characters():
    organization = OrganizationFactory()
    with pytest.raises(ValidationFailed) as raised:
        services.api_client_create(
            organization=organization, name=SPOOFED, permissions=["READ_PARTNER"], grantor_permissions=ALL_PERMISSIONS
        )
    assert raised.value.errors[0].field == "name"
    with pytest.raises(ValidationFailed) as raised:
        services.signing_key_create(
            organization=organization, **key_registration(organization, label="\u2066key", public_key="nope")
        )
    assert {e.field for e in raised.value.errors} == {"label", "public_key"}
    assert not ApiClient.objects.exists() and not SigningKey.objects.exists()
    assert (
        services.signing_key_create(organization=organization, **key_registration(organization, label="HSM")).label
        == "HSM"
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Exchange", "acme-exchange"),
        ("  Über_Trade  GmbH & Co. ", "uber-trade-gmbh-co"),
        ("☃☃☃", "organization"),
        ("x" * 200, "x" * 55),
    ],
)
def test_an_organization_gets_a_slug_from_its_name(name, slug):
    assert services.organization_create(name=name).slug == slug


def test_slugs_stay_unique():
    slugs = [services.organization_create(name="Acme").slug for _ in range(3)]
    assert slugs == ["acme", "acme-2", "acme-3"]
