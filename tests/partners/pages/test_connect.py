"""Connecting to a partner from the web pages: the key fields of the partner's schema, the exact payload, signing by
pasting a signature or with the custodial key, and every failure shown on the page with nothing written."""

import re

import pytest
from django.test import Client

from organizations.models import Role, UsedNonce
from organizations.services import custodial_key_enable
from organizations.signing import sign_message
from partners import services
from partners.models import Connection, ConnectionKeySchema
from tests.factories.organizations import DEFAULT_PASSWORD, SigningKeyFactory
from tests.factories.partners import NetworkClientFactory, PartnerFactory
from tests.partners.pages.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/network/connections/new"
SECRET = "s3cr3t-api-secret-value"


@pytest.fixture
def network_client(enterprise):
    return NetworkClientFactory(enterprise=enterprise)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Bravo Exchange", connection_key_schema=ConnectionKeySchema.API_KEY_AND_SECRET)


def connect_url(partner) -> str:
    return f"{URL}?partner={partner.pk}"


def nonce_of(page: str) -> str:
    return re.search(r'name="nonce" value="([0-9a-f]{32})"', page).group(1)


def details(page: str, **overrides) -> dict:
    return {"name": "Main account", "apiKey": "key-1", "apiSecret": SECRET, "nonce": nonce_of(page), **overrides}


def to_step_two(client, partner, **overrides):
    step_one = client.get(connect_url(partner)).text
    data = details(step_one, **overrides)
    response = client.post(connect_url(partner), {**data, "step": "payload"})
    return data, response


def expected_payload(enterprise, partner, data) -> str:
    return services.connection_signing_payload(
        enterprise=enterprise,
        partner_id=partner.pk,
        name=data["name"],
        connection_key={"schema": "apiKeyAndSecret", "apiKey": data["apiKey"], "apiSecret": data["apiSecret"]},
        nonce=data["nonce"],
    )


def assert_nothing_written():
    assert not Connection.objects.exists()
    assert not UsedNonce.objects.exists()


@pytest.mark.parametrize(
    ("schema", "shown", "not_shown"),
    [
        (ConnectionKeySchema.TOKEN, ["connectionToken"], ["apiKey", "signature"]),
        (ConnectionKeySchema.TOKEN_AND_SIGNATURE, ["connectionToken", "signature"], ["apiKey"]),
        (ConnectionKeySchema.API_KEY_AND_SECRET, ["apiKey", "apiSecret"], ["connectionToken"]),
        (
            ConnectionKeySchema.CLEARLOOP,
            ["apiKey", "apiSecret", "clientAccountId", "companyRegistrationNumber"],
            ["connectionToken"],
        ),
    ],
)
def test_step_one_shows_only_the_key_fields_of_the_partners_schema(
    owner_client, network_client, schema, shown, not_shown
):
    partner = PartnerFactory(connection_key_schema=schema)

    page = owner_client.get(connect_url(partner)).text

    for field in shown:
        assert f'name="{field}"' in page
    for field in not_shown:
        assert f'name="{field}"' not in page
    assert re.search(r'<input type="hidden" name="nonce" value="[0-9a-f]{32}"', page)


def test_the_nonce_is_new_on_every_visit(owner_client, network_client, partner):
    assert nonce_of(owner_client.get(connect_url(partner)).text) != nonce_of(
        owner_client.get(connect_url(partner)).text
    )


def test_step_two_shows_the_exact_payload_and_keeps_the_secret_out_of_the_session(
    owner_client, enterprise, network_client, partner
):
    data, response = to_step_two(owner_client, partner)

    assert response.status_code == 200
    payload = expected_payload(enterprise, partner, data)
    exact = re.search(
        r'<div id="sign-payload"><pre class="key" data-testid="payload">(.*?)</pre></div>', response.text, re.S
    )
    assert exact.group(1).replace("&quot;", '"') == payload
    # shown masked: the exact payload is inside a closed "Show secrets" <details> (and what "Copy payload" copies)
    masked = re.search(r'<pre class="key payload-masked" data-testid="payload-masked">(.*?)</pre>', response.text, re.S)
    assert masked.group(1).replace("&quot;", '"') == payload.replace(f'"{SECRET}"', '"••••••••"').replace(
        f'"{data["apiKey"]}"', '"••••••••"'
    )  # every value typed into a password box
    assert '<details class="payload-reveal" data-testid="payload-reveal">' in response.text
    assert 'data-copy="#sign-payload" data-copy-exact' in response.text
    # the secret travels on as a hidden input of the form being submitted, and nowhere else
    assert f'<input type="hidden" name="apiSecret" value="{SECRET}"' in response.text
    assert response.text.count(SECRET) == 2  # the hidden input and the exact payload behind "Show secrets"
    assert SECRET not in str(dict(owner_client.session.items()))
    assert response.headers["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    assert_nothing_written()


def test_a_pasted_signature_creates_the_connection(owner_client, enterprise, network_client, partner):
    key = SigningKeyFactory(organization=enterprise)
    data, _ = to_step_two(owner_client, partner)
    signature = sign_message(key.private_key, expected_payload(enterprise, partner, data))

    response = owner_client.post(
        connect_url(partner), {**data, "step": "sign", "sign-method": "paste", "sign-signature": signature}, follow=True
    )

    connection = Connection.objects.get()
    assert response.redirect_chain == [(f"/network/connections/{connection.pk}", 302)]
    assert (connection.client, connection.partner, connection.name) == (network_client, partner, "Main account")
    assert connection.connection_key == {"schema": "apiKeyAndSecret", "apiKey": "key-1", "apiSecret": SECRET}
    assert connection.signing_key == key
    assert "Connected to Bravo Exchange as “Main account”." in response.text
    assert SECRET not in response.text


def test_the_custodial_key_signs_after_the_password(owner_client, enterprise, network_client, partner):
    custodial = custodial_key_enable(
        organization=enterprise, user=owner_client.membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    data, step_two = to_step_two(owner_client, partner)
    assert "Sign with the custodial key" in step_two.text

    wrong = owner_client.post(
        connect_url(partner), {**data, "step": "sign", "sign-method": "custodial", "sign-password": "nope"}
    )
    assert (
        '<div class="field-error" id="id_sign-password_error"><p>The password is not correct.</p></div>' in wrong.text
    )
    assert_nothing_written()

    right = owner_client.post(
        connect_url(partner), {**data, "step": "sign", "sign-method": "custodial", "sign-password": DEFAULT_PASSWORD}
    )
    assert right.status_code == 302
    assert Connection.objects.get().signing_key == custodial.signing_key


def test_a_signature_that_does_not_verify_is_shown_on_the_signature_field(
    owner_client, enterprise, network_client, partner
):
    SigningKeyFactory(organization=enterprise)
    other = SigningKeyFactory()  # another organization's key
    data, _ = to_step_two(owner_client, partner)
    signature = sign_message(other.private_key, expected_payload(enterprise, partner, data))

    response = owner_client.post(
        connect_url(partner), {**data, "step": "sign", "sign-method": "paste", "sign-signature": signature}
    )

    assert response.status_code == 200
    assert '<div class="field-error" id="id_sign-signature_error"><p>The signature does not verify' in response.text
    assert_nothing_written()


def test_a_field_changed_after_signing_changes_the_payload_and_is_refused(
    owner_client, enterprise, network_client, partner
):
    key = SigningKeyFactory(organization=enterprise)
    data, _ = to_step_two(owner_client, partner)
    signature = sign_message(key.private_key, expected_payload(enterprise, partner, data))

    response = owner_client.post(
        connect_url(partner),
        {**data, "apiKey": "someone-elses", "step": "sign", "sign-method": "paste", "sign-signature": signature},
    )

    assert "The signature does not verify" in response.text
    assert_nothing_written()


def test_a_reused_nonce_goes_back_to_step_one_with_a_new_nonce(owner_client, enterprise, network_client, partner):
    key = SigningKeyFactory(organization=enterprise)
    data, _ = to_step_two(owner_client, partner)
    post = {
        **data,
        "step": "sign",
        "sign-method": "paste",
        "sign-signature": sign_message(key.private_key, expected_payload(enterprise, partner, data)),
    }
    assert owner_client.post(connect_url(partner), post).status_code == 302

    again = owner_client.post(connect_url(partner), post)

    assert "This nonce has already been used." in again.text
    assert 'value="payload"' in again.text  # step 1's button
    assert nonce_of(again.text) != data["nonce"]
    assert Connection.objects.count() == 1


def test_a_missing_key_field_is_shown_next_to_it(owner_client, network_client, partner):
    _, response = to_step_two(owner_client, partner, apiSecret="")

    assert '<div class="field-error" id="id_apiSecret_error"><p>This field is required.</p></div>' in response.text
    assert 'value="key-1"' in response.text  # what was typed is kept, in the form being submitted
    assert_nothing_written()


def test_an_inactive_partner_is_explained_on_the_form(owner_client, network_client):
    partner = PartnerFactory(active=False, connection_key_schema=ConnectionKeySchema.API_KEY_AND_SECRET)

    _, response = to_step_two(owner_client, partner)

    assert "The partner is not active: it accepts no new connections." in response.text
    assert 'data-testid="payload"' not in response.text
    assert_nothing_written()


def test_without_a_network_client_the_page_says_to_create_it(owner_client, partner):
    page = owner_client.get(connect_url(partner)).text

    assert "has no network client yet" in page
    assert 'name="apiSecret"' not in page


def test_the_partner_picker_lists_connectable_partners(owner_client, enterprise, network_client, partner):
    inactive = PartnerFactory(name="Zulu Closed", active=False)
    myself = PartnerFactory(enterprise=enterprise, client=network_client)

    page = owner_client.get(URL).text

    assert f'<option value="{partner.pk}">Bravo Exchange' in page
    assert str(inactive.pk) not in page
    assert str(myself.pk) not in page


def test_an_unknown_partner_is_404(owner_client, network_client):
    assert owner_client.get(f"{URL}?partner=6f1c7f0e-2a8b-4a53-9d55-0c3c2b7f1d11").status_code == 404
    assert owner_client.get(f"{URL}?partner=nope").status_code == 404
    assert owner_client.post(URL, {"name": "x"}).status_code == 404


def test_a_viewer_may_not_connect(client, enterprise, network_client, partner):
    sign_in(client, enterprise, Role.VIEWER)

    assert client.get(connect_url(partner)).status_code == 403
    assert client.post(connect_url(partner), {"name": "x", "step": "payload"}).status_code == 403
    assert_nothing_written()


def test_custodial_signing_password_attempts_are_limited_per_user_and_address(
    owner_client, enterprise, network_client, partner, settings, frozen_clock
):
    settings.PASSWORD_ATTEMPTS_PER_MINUTE = 3
    custodial_key_enable(
        organization=enterprise, user=owner_client.membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    data, step_two = to_step_two(owner_client, partner)
    assert "At most 3 password attempts a minute" in step_two.text
    sign = {**data, "step": "sign", "sign-method": "custodial"}

    wrong = [owner_client.post(connect_url(partner), {**sign, "sign-password": "guess"}) for _ in range(3)]
    right = owner_client.post(connect_url(partner), {**sign, "sign-password": DEFAULT_PASSWORD})
    elsewhere = owner_client.post(
        connect_url(partner), {**sign, "sign-password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert all("The password is not correct." in response.text for response in wrong)
    for refused in (right, elsewhere):  # the right password, from here or another address: refused while locked
        assert refused.status_code == 200
        assert '<div class="field-error" id="id_sign-password_error"><p>Too many password attempts.' in refused.text
    assert_nothing_written()

    # another member at the same address shares the address's budget; at another address they sign
    colleague = _signed_in(Client(REMOTE_ADDR="127.0.0.1"), enterprise)
    colleague_data = to_step_two(colleague, partner)[0]
    colleague_sign = {**colleague_data, "step": "sign", "sign-method": "custodial", "sign-password": DEFAULT_PASSWORD}
    assert "Too many password attempts." in colleague.post(connect_url(partner), colleague_sign).text
    assert_nothing_written()
    away = _signed_in(Client(REMOTE_ADDR="203.0.113.8"), enterprise)
    away_data = to_step_two(away, partner)[0]
    away_sign = {**away_data, "step": "sign", "sign-method": "custodial", "sign-password": DEFAULT_PASSWORD}
    assert away.post(connect_url(partner), away_sign).status_code == 302

    frozen_clock.shift(61)  # the window has passed: the right password signs again
    assert owner_client.post(connect_url(partner), {**sign, "sign-password": DEFAULT_PASSWORD}).status_code == 302
    assert Connection.objects.count() == 2


def _signed_in(client, organization):
    client.membership = sign_in(client, organization)
    return client
