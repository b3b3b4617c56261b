"""The custodial key on the signing keys page, and the reusable signing form (on a test-only page)."""

import re

import pytest
from django.urls import reverse

from organizations.models import CustodialSigningKey, Role, SigningKey
from organizations.services import custodial_key_enable
from organizations.signing import sign_message
from tests.factories.organizations import DEFAULT_PASSWORD, MembershipFactory, SigningKeyFactory
from tests.organizations.signed_request_page import PAYLOAD

pytestmark = pytest.mark.django_db

URL = "/organizations/signing-keys"
ENABLE = "/organizations/signing-keys/custodial/enable"
DISABLE = "/organizations/signing-keys/custodial/disable"
PAGE = "/test/signed-request"


def signed_in(client, role, organization=None):
    membership = MembershipFactory(role=role, **({"organization": organization} if organization else {}))
    client.force_login(membership.user)
    return membership


def enable_for(organization):
    owner = MembershipFactory(organization=organization, role=Role.OWNER)
    return custodial_key_enable(
        organization=organization, user=owner.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )


def test_an_owner_enables_the_custodial_key_with_their_password(client):
    owner = signed_in(client, Role.OWNER)
    assert "Not enabled" in client.get(URL).text

    response = client.post(ENABLE, {"password": DEFAULT_PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("org-signing-keys"), 302)]
    custodial = CustodialSigningKey.objects.get(organization=owner.organization)
    page = response.text
    assert "Custodial signing enabled" in page
    assert '<span class="badge badge--success">Enabled</span>' in page
    assert custodial.signing_key.public_key in page
    assert "held by the server" in page
    assert custodial.private_key not in page


def test_a_wrong_password_is_shown_next_to_the_password_and_nothing_is_created(client):
    signed_in(client, Role.OWNER)

    response = client.post(ENABLE, {"password": "not my password"})

    assert response.status_code == 200
    assert (
        '<div class="field-error" id="id_custodial_password_error"><p>The password is not correct.</p></div>'
        in response.text
    )
    assert 'value="not my password"' not in response.text
    assert not SigningKey.objects.exists()


def test_an_admin_sees_the_state_but_cannot_enable_or_disable(client):
    admin = signed_in(client, Role.ADMIN)
    page = client.get(URL).text
    assert "Only an owner can enable it." in page
    assert 'action="/organizations/signing-keys/custodial/enable"' not in page

    response = client.post(ENABLE, {"password": DEFAULT_PASSWORD})
    assert "Only an owner can enable the custodial signing key." in response.text
    assert not CustodialSigningKey.objects.exists()

    custodial = enable_for(admin.organization)
    page = client.get(URL).text
    assert '<span class="badge badge--success">Enabled</span>' in page
    assert "Only an owner can disable it." in page
    response = client.post(DISABLE, follow=True)
    assert "Only an owner can disable the custodial signing key." in response.text
    custodial.refresh_from_db()
    assert custodial.active


def test_an_owner_disables_it_and_its_signing_key_is_deactivated(client):
    owner = signed_in(client, Role.OWNER)
    custodial = enable_for(owner.organization)

    response = client.post(DISABLE, follow=True)

    assert "Custodial signing disabled" in response.text
    assert "Not enabled" in response.text
    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key, custodial.signing_key.active) == (False, None, False)


def test_a_viewer_gets_403_and_changes_nothing(client):
    viewer = signed_in(client, Role.VIEWER)

    assert client.post(ENABLE, {"password": DEFAULT_PASSWORD}).status_code == 403
    custodial = enable_for(viewer.organization)
    assert client.post(DISABLE).status_code == 403
    custodial.refresh_from_db()
    assert custodial.active


# --- SignedRequestForm on a page ---------------------------------------------------------------------------------

signing_page = pytest.mark.urls("tests.organizations.signed_request_page")


@signing_page
def test_without_a_custodial_key_the_form_shows_the_payload_and_only_takes_a_pasted_signature(client):
    signed_in(client, Role.OPERATOR)

    page = client.get(PAGE).text

    assert '<div id="form-payload"><pre class="key" data-testid="payload">{&quot;partnerId&quot;' in page
    assert 'data-copy="#form-payload" data-copy-exact' in page  # the payload's copy button
    assert "payload-masked" not in page  # nothing secret in it: shown as it is
    assert 'name="signature"' in page
    assert 'name="password"' not in page
    assert "Sign with the custodial key" not in page


@signing_page
def test_a_pasted_signature_is_the_forms_signature(client):
    member = signed_in(client, Role.OPERATOR)
    key = SigningKeyFactory(organization=member.organization)
    signature = sign_message(key.private_key, PAYLOAD)

    page = client.post(PAGE, {"method": "paste", "signature": signature.upper()}).text

    assert f"Signed: {signature} (verifies)" in page


@signing_page
@pytest.mark.parametrize(
    ("signature", "error"),
    [("", "Paste the signature of the payload."), ("zz" * 65, "A signature is 130 hexadecimal characters.")],
)
def test_a_missing_or_malformed_pasted_signature_is_shown_next_to_it(client, signature, error):
    signed_in(client, Role.OPERATOR)

    page = client.post(PAGE, {"method": "paste", "signature": signature}).text

    assert f'<div class="field-error" id="id_signature_error"><p>{error}</p></div>' in page
    assert "Signed:" not in page


@signing_page
def test_with_a_custodial_key_both_ways_are_offered_and_the_custodial_one_signs_after_the_password(client):
    member = signed_in(client, Role.OPERATOR)
    enable_for(member.organization)
    page = client.get(PAGE).text
    assert "Sign with the custodial key" in page
    assert 'name="password"' in page

    page = client.post(PAGE, {"method": "custodial", "password": DEFAULT_PASSWORD}).text

    assert "(verifies)" in page


@signing_page
def test_a_wrong_password_for_the_custodial_key_is_shown_next_to_the_password(client):
    member = signed_in(client, Role.OPERATOR)
    enable_for(member.organization)

    page = client.post(PAGE, {"method": "custodial", "password": "guess"}).text

    assert '<div class="field-error" id="id_password_error"><p>The password is not correct.</p></div>' in page
    assert 'value="guess"' not in page
    assert "Signed:" not in page


@signing_page
def test_a_viewer_cannot_sign_with_the_custodial_key(client):
    viewer = signed_in(client, Role.VIEWER)
    enable_for(viewer.organization)

    page = client.post(PAGE, {"method": "custodial", "password": DEFAULT_PASSWORD}).text

    assert 'id="id_password_error"><p>Signing with the custodial key needs the' in page
    assert "Signed:" not in page


@signing_page
def test_choosing_the_custodial_key_when_there_is_none_signs_nothing(client):
    signed_in(client, Role.OPERATOR)

    page = client.post(PAGE, {"method": "custodial", "password": DEFAULT_PASSWORD}).text

    assert "Select a valid choice." in page
    assert "Signed:" not in page


def test_the_form_signs_for_the_payload_the_page_gave_it_not_one_posted():
    from django.test import RequestFactory

    from organizations.forms import SignedRequestForm
    from organizations.signing import verify_signature

    member = MembershipFactory(role=Role.OPERATOR)
    custodial = enable_for(member.organization)
    request = RequestFactory().post("/")
    request.user = member.user
    form = SignedRequestForm(
        {"method": "custodial", "password": DEFAULT_PASSWORD, "payload": "something else"},
        request=request,
        organization=member.organization,
        payload=PAYLOAD,
    )

    assert form.is_valid(), form.errors
    assert verify_signature(custodial.signing_key.compressed_public_key, PAYLOAD, form.cleaned_data["signature"])
    assert "password" not in form.cleaned_data


def test_enabling_shares_the_re_entered_password_budget(client, settings, frozen_clock):
    settings.PASSWORD_ATTEMPTS_PER_MINUTE = 2
    owner = signed_in(client, Role.OWNER)
    assert "At most 2 password attempts a minute" in client.get(URL).text

    wrong = [client.post(ENABLE, {"password": "guess"}) for _ in range(2)]
    right = client.post(ENABLE, {"password": DEFAULT_PASSWORD})

    assert all("The password is not correct." in response.text for response in wrong)
    assert right.status_code == 200
    assert '<div class="field-error" id="id_custodial_password_error"><p>Too many password attempts.' in right.text
    assert not CustodialSigningKey.objects.exists()
    frozen_clock.shift(61)
    assert client.post(ENABLE, {"password": DEFAULT_PASSWORD}).status_code == 302
    assert CustodialSigningKey.objects.filter(organization=owner.organization).exists()


def test_an_admin_cannot_erase_the_custodial_key_by_deactivating_its_signing_key(client):
    admin = signed_in(client, Role.ADMIN)
    custodial = enable_for(admin.organization)

    response = client.post(f"/organizations/signing-keys/{custodial.signing_key.pk}/deactivate", follow=True)

    assert "Only an owner can disable the custodial signing key." in response.text
    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key is not None, custodial.signing_key.active) == (True, True, True)


def test_an_owner_deactivating_the_custodial_signing_key_disables_custodial_signing(client):
    owner = signed_in(client, Role.OWNER)
    custodial = enable_for(owner.organization)

    response = client.post(f"/organizations/signing-keys/{custodial.signing_key.pk}/deactivate", follow=True)

    assert "deactivated" in response.text
    custodial.refresh_from_db()
    assert (custodial.active, custodial.private_key, custodial.signing_key.active) == (False, None, False)


# --- what the signing form asks for (issue 15: required fields, the method that applies, secrets masked) ----------

OPTIONAL = '<span class="optional">(optional)</span>'


def test_the_custodial_password_is_marked_required(client):
    # required=False only so that the service says "Enter your password."; the page must not call it optional.
    signed_in(client, Role.OWNER)

    page = client.get(URL).text

    assert re.search(r'<label for="id_custodial_password">Your password</label>', page)
    assert 'aria-required="true"' in re.search(r'<input[^>]*id="id_custodial_password"[^>]*>', page).group(0)


@signing_page
def test_without_a_custodial_key_the_signature_is_required_and_no_method_is_offered(client):
    signed_in(client, Role.OPERATOR)

    page = client.get(PAGE).text

    assert OPTIONAL not in page
    assert 'aria-required="true"' in re.search(r'<input[^>]*name="signature"[^>]*>', page).group(0)
    assert "data-sign-panel" not in page and "data-sign-panels" not in page


@signing_page
def test_with_a_custodial_key_it_comes_first_chosen_and_each_method_has_its_own_group(client):
    member = signed_in(client, Role.OPERATOR)
    enable_for(member.organization)

    page = client.get(PAGE).text

    radios = re.findall(r'<input type="radio" name="method" value="(\w+)"[^>]*>', page)
    assert radios == ["custodial", "paste"]
    custodial_radio = re.search(r'<input type="radio" name="method" value="custodial"[^>]*>', page).group(0)
    assert "checked" in custodial_radio and "data-sign-method" in custodial_radio
    panels = re.findall(r'<fieldset class="sign-panel" data-sign-panel="(\w+)"', page)
    assert panels == ["custodial", "paste"]  # app.js shows the chosen one; without script both, each headed
    custodial_group = page[page.index('data-sign-panel="custodial"') : page.index('data-sign-panel="paste"')]
    assert 'name="password"' in custodial_group and 'name="signature"' not in custodial_group
    assert OPTIONAL not in page


@signing_page
def test_choosing_paste_again_keeps_paste_chosen(client):
    member = signed_in(client, Role.OPERATOR)
    enable_for(member.organization)

    page = client.post(PAGE, {"method": "paste", "signature": ""}).text

    assert "checked" in re.search(r'<input type="radio" name="method" value="paste"[^>]*>', page).group(0)
    assert "Paste the signature of the payload." in page


def test_the_masked_payload_hides_each_secret_value_and_nothing_else():
    from django.test import RequestFactory

    from organizations.forms import SignedRequestForm

    member = MembershipFactory(role=Role.OPERATOR)
    request = RequestFactory().get("/")
    request.user = member.user
    payload = '{"name":"a","connectionKey":{"apiKey":"a","apiSecret":"s\\"é"},"nonce":"na"}'

    form = SignedRequestForm(
        request=request, organization=member.organization, payload=payload, secrets=['s"é', "", "a"]
    )

    assert (
        form.masked_payload
        == '{"name":"••••••••","connectionKey":{"apiKey":"••••••••","apiSecret":"••••••••"},"nonce":"na"}'
    )
    assert form.payload == payload  # what is signed does not change
