"""The signing keys page: list, add (inline errors keep the input), deactivate, permissions, scoping."""

import html
import re

import pytest
import time_machine
from coincurve import PrivateKey
from django.urls import reverse
from django.utils import timezone

from organizations.models import Role, SigningKey
from organizations.signing import KEY_CHALLENGE_MAX_AGE, sign_message
from tests.factories.organizations import MembershipFactory, SigningKeyFactory, key_registration, xpub_of
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = "/organizations/signing-keys"


def compressed_hex(private_key: PrivateKey) -> str:
    return private_key.public_key.format(compressed=True).hex()


def page_challenge(page: str) -> str:
    """The challenge the page asks to sign, as a person copies it from the page."""
    return html.unescape(re.search(r'<textarea name="challenge"[^>]*>\s*(.*?)</textarea>', page, re.S)[1])


@pytest.fixture
def manager(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)
    return membership


def test_page_lists_the_organizations_keys_only(client, manager):
    mine = SigningKeyFactory(organization=manager.organization, label="Treasury signer")
    other = SigningKeyFactory(label="Someone else's key")

    page = client.get(URL).text

    assert "Treasury signer" in page
    assert mine.public_key in page
    assert "Someone else's key" not in page
    assert other.public_key not in page


@pytest.mark.parametrize("make_key", [compressed_hex, xpub_of], ids=["compressed", "xpub"])
def test_a_valid_key_is_added_and_listed(client, manager, make_key):
    private_key = PrivateKey()
    public_key = make_key(private_key)
    challenge = page_challenge(client.get(URL).text)
    assert f"organization {manager.organization.pk}" in challenge
    body = {"label": "Hot wallet", "public_key": public_key, "challenge": challenge}

    response = client.post(URL, {**body, "signature": sign_message(private_key, challenge)}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(URL, 302)]
    assert "Signing key “Hot wallet” added." in response.text
    assert public_key in response.text
    key = SigningKey.objects.get(organization=manager.organization)
    assert (key.label, key.public_key, key.active, key.created_by) == ("Hot wallet", public_key, True, manager.user)


def test_a_signature_by_another_key_is_refused_next_to_the_signature(client, manager):
    body = key_registration(manager.organization, label="Borrowed")
    body["signature"] = sign_message(PrivateKey(), body["challenge"])

    response = client.post(URL, body)

    assert response.status_code == 200
    assert (
        '<div class="field-error" id="id_signature_error"><p>'
        "The signature is not this public key's signature over the challenge.</p>" in html.unescape(response.text)
    )
    assert 'value="Borrowed"' in response.text
    assert page_challenge(response.text) == body["challenge"]  # still the one signed: sign it again with the key
    assert not SigningKey.objects.exists()


def test_an_expired_challenge_is_replaced_by_a_new_one_to_sign(client, manager):
    with time_machine.travel(timezone.now() - KEY_CHALLENGE_MAX_AGE - timezone.timedelta(minutes=1)):
        body = key_registration(manager.organization, label="Late")

    response = client.post(URL, body)

    assert "The challenge expired: sign a new one." in response.text
    fresh = page_challenge(response.text)
    assert fresh != body["challenge"] and f"organization {manager.organization.pk}" in fresh
    assert not SigningKey.objects.exists()


def test_a_bad_key_shows_an_inline_error_and_keeps_the_label(client, manager):
    response = client.post(URL, key_registration(manager.organization, label="Cold storage", public_key="04deadbeef"))

    assert response.status_code == 200
    page = response.text
    assert (
        '<div class="field-error" id="id_public_key_error"><p>'
        "A public key must be 33 bytes (66 hex characters), compressed.</p>" in page
    )
    assert 'value="Cold storage"' in page
    assert 'value="04deadbeef"' in page
    assert not SigningKey.objects.exists()


def test_an_uncompressed_prefix_is_refused_inline(client, manager):
    response = client.post(URL, key_registration(manager.organization, label="K", public_key="04" + "ab" * 32))

    assert "The public key must be in compressed form (02 or 03 prefix)." in response.text
    assert not SigningKey.objects.exists()


def test_missing_fields_are_shown_inline(client, manager):
    response = client.post(URL, {"label": "", "public_key": "", "challenge": "", "signature": ""})

    for field in ("label", "public_key", "challenge", "signature"):
        assert f'<div class="field-error" id="id_{field}_error"><p>This field is required.</p></div>' in response.text


def test_a_key_already_registered_is_refused_next_to_the_key(client, manager):
    existing = SigningKeyFactory(organization=manager.organization)

    response = client.post(URL, key_registration(manager.organization, existing.private_key, label="Again"))

    assert response.status_code == 200
    assert (
        '<div class="field-error" id="id_public_key_error"><p>'
        "This public key is already registered: a key is registered once, for one organization.</p>" in response.text
    )
    assert 'value="Again"' in response.text
    assert SigningKey.objects.count() == 1


def test_deactivate_marks_the_key_inactive(client, manager):
    key = SigningKeyFactory(organization=manager.organization, label="Old signer")

    response = client.post(reverse("org-signing-key-deactivate", args=[key.pk]), follow=True)

    assert response.status_code == 200
    assert "Signing key “Old signer” deactivated." in response.text
    assert '<span class="badge badge--muted">Deactivated</span>' in response.text
    key.refresh_from_db()
    assert key.active is False
    assert key.deactivated_at is not None


def test_deactivating_another_organizations_key_answers_404_and_changes_nothing(client, manager):
    foreign = SigningKeyFactory()

    response = client.post(reverse("org-signing-key-deactivate", args=[foreign.pk]))

    assert response.status_code == 404
    assert "Page not found" in response.text
    foreign.refresh_from_db()
    assert foreign.active is True


def test_a_viewer_gets_403_and_changes_nothing(client):
    membership = MembershipFactory(role=Role.VIEWER)
    key = SigningKeyFactory(organization=membership.organization)
    client.force_login(membership.user)

    assert client.get(URL).status_code == 403
    assert client.post(URL, key_registration(membership.organization, label="x")).status_code == 403
    assert client.post(reverse("org-signing-key-deactivate", args=[key.pk])).status_code == 403
    assert SigningKey.objects.filter(active=True).count() == 1


def test_list_query_count_does_not_grow_with_rows(client, manager):
    SigningKeyFactory(organization=manager.organization)
    assert_constant_queries(
        fetch=lambda: client.get(URL),
        add_rows=lambda n: SigningKeyFactory.create_batch(n, organization=manager.organization),
        count=lambda response: response.text.count("badge--success"),
    )
