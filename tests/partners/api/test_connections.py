"""Network clients and signed connections: client side, partner side, every failure leaves nothing behind."""

import json
from types import SimpleNamespace

import pytest
from coincurve import PrivateKey

from organizations.models import PermissionCode, SigningKey, UsedNonce
from organizations.signing import sign_message, verify_signature
from partners.models import Connection, ConnectionKeySchema, NetworkClient
from tests.conftest import org_headers
from tests.factories.organizations import LicenseFactory, OrganizationFactory, SigningKeyFactory, key_registration
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory
from tests.partners.conftest import network_error, network_token, url
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

KEYS = {
    ConnectionKeySchema.TOKEN: {"schema": "token", "connectionToken": "tok-123"},
    ConnectionKeySchema.TOKEN_AND_SIGNATURE: {"schema": "tokenAndSignature", "connectionToken": "t", "signature": "s"},
    ConnectionKeySchema.API_KEY_AND_SECRET: {"schema": "apiKeyAndSecret", "apiKey": "key", "apiSecret": "shh"},
    ConnectionKeySchema.CLEARLOOP: {
        "schema": "clearloop",
        "apiKey": "key",
        "apiSecret": "shh",
        "clientAccountId": "acct-1",
        "companyRegistrationNumber": "HRB 123",
    },
}


@pytest.fixture
def client_record(enterprise):
    return NetworkClientFactory(enterprise=enterprise)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Bravo Exchange")


def signing_body(partner, *, schema=ConnectionKeySchema.TOKEN, nonce="n-1", name="My Bravo account") -> dict:
    return {"partnerId": str(partner.pk), "name": name, "connectionKey": KEYS[schema], "nonce": nonce}


def signed(api, enterprise, auth, signing_key, body: dict) -> dict:
    """The body with the payload the signing endpoint returns and its signature by `signing_key`."""
    response = api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth)
    assert response.status_code == 200, response.content
    payload = response.json()["payload"]
    return {**body, "payload": payload, "signature": sign_message(signing_key.private_key, payload)}


def connect(api, enterprise, auth, body):
    return api.post(url(enterprise, "clients/connections"), body, format="json", **auth)


def assert_nothing_written():
    assert not Connection.objects.exists()
    assert not UsedNonce.objects.exists()


# --- network clients ---------------------------------------------------------------------------------------------


def test_create_client_is_idempotent_with_the_trust_org_of_the_license(api, auth):
    enterprise = OrganizationFactory()
    LicenseFactory(organization=enterprise, trust_org="BitGo Singapore")
    token = network_token(enterprise)
    first = api.post(url(enterprise, "clients"), **token)
    second = api.post(url(enterprise, "clients"), **token)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    client = first.json()["client"]
    assert client["trustOrg"] == "BitGo Singapore" and client["enterpriseId"] == str(enterprise.pk)
    assert set(client) == {"id", "enterpriseId", "trustOrg", "walletId", "createdAt", "updatedAt"}
    assert NetworkClient.objects.count() == 1


def test_create_client_without_license_is_403(api):
    enterprise = OrganizationFactory()
    response = api.post(url(enterprise, "clients"), **network_token(enterprise))
    assert response.status_code == 403
    assert not NetworkClient.objects.exists()


# --- signing payload and create -----------------------------------------------------------------------------------


def test_the_signing_payload_is_the_reference_sdks_layout(api, enterprise, auth, client_record, partner):
    body = signing_body(partner, nonce="n3")
    payload = api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth).json()["payload"]
    assert payload == (
        f'{{"partnerId":"{partner.pk}","name":"My Bravo account",'
        '"connectionKey":{"schema":"token","connectionToken":"tok-123"},"nonce":"n3"}'
    )
    as_get = api.generic(
        "GET", url(enterprise, "clients/connections/signing"), json.dumps(body), "application/json", **auth
    )
    assert as_get.json() == {"payload": payload}


@pytest.mark.parametrize("schema", list(ConnectionKeySchema))
def test_connect_with_each_connection_key_schema(api, enterprise, auth, client_record, signing_key, schema):
    partner = PartnerFactory(connection_key_schema=schema)
    response = connect(
        api, enterprise, auth, signed(api, enterprise, auth, signing_key, signing_body(partner, schema=schema))
    )
    assert response.status_code == 200, response.content
    connection = response.json()["connection"]
    assert connection["partnerId"] == str(partner.pk) and connection["clientId"] == str(client_record.pk)
    assert connection["active"] is True and connection["initialized"] is False
    assert connection["partnersConnectionId"] is None
    assert "connectionKey" not in connection and "tok-123" not in response.content.decode()
    stored = Connection.objects.get()
    assert stored.connection_key == KEYS[schema]
    assert verify_signature(signing_key.compressed_public_key, stored.payload, connection["proof"])
    assert UsedNonce.objects.filter(organization=enterprise, nonce="n-1").exists()


def test_a_key_of_another_schema_is_422(api, enterprise, auth, client_record, signing_key, partner):
    body = signing_body(partner, schema=ConnectionKeySchema.API_KEY_AND_SECRET)
    response = api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth)
    assert network_error(response, 422) == "ConnectionKeySchemaMismatch"


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ({"schema": "token"}, "connectionKey"),
        ({"schema": "token", "connectionToken": ""}, "connectionKey"),
        ({"schema": "token", "connectionToken": 5}, "connectionKey"),
        ({"schema": "token", "connectionToken": "t", "extra": "x"}, "connectionKey"),
        ({"schema": "nope", "connectionToken": "t"}, "connectionKey"),
        ({"schema": {"token": 1}, "connectionToken": "t"}, "connectionKey"),  # found by schemathesis: was a 500
        ("token", "connectionKey"),
    ],
)
def test_malformed_connection_keys_are_400(api, enterprise, auth, client_record, partner, key, field):
    body = {**signing_body(partner), "connectionKey": key}
    response = api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == field


def test_unknown_partner_is_404(api, enterprise, auth, client_record, signing_key, partner):
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    partner_id = "00000000-0000-4000-8000-000000000000"
    body["partnerId"] = partner_id
    response = connect(api, enterprise, auth, body)
    assert network_error(response, 404) == "PartnerNotFound"
    assert_nothing_written()


@pytest.mark.parametrize(
    ("change", "name"),
    [({"active": False}, "PartnerInactive"), ({"trust_org": "BitGo Korea"}, "TrustOrgMismatch")],
)
def test_inactive_partner_or_another_trust_org_is_422(
    api, enterprise, auth, client_record, signing_key, partner, change, name
):
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    if "active" in change:
        partner.active = False
        partner.save()
    else:
        partner.config.trust_org = change["trust_org"]
        partner.config.save()
    response = connect(api, enterprise, auth, body)
    assert network_error(response, 422) == name
    assert_nothing_written()


def test_without_a_network_client_is_422(api, enterprise, auth, signing_key, partner):
    response = api.post(url(enterprise, "clients/connections/signing"), signing_body(partner), format="json", **auth)
    assert network_error(response, 422) == "NetworkClientMissing"


def test_a_payload_that_does_not_match_the_body_is_400(api, enterprise, auth, client_record, signing_key, partner):
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    for tampered in ({**body, "name": "Other name"}, {**body, "payload": body["payload"].replace("tok-123", "x")}):
        response = connect(api, enterprise, auth, tampered)
        assert network_error(response, 400) in ("PayloadMismatch", "InvalidSignature")
    not_json = {**body, "payload": "not json"}
    assert network_error(connect(api, enterprise, auth, not_json), 400) == "PayloadMismatch"
    assert_nothing_written()


def test_a_payload_with_a_duplicate_key_is_400(api, enterprise, auth, client_record, signing_key, partner):
    """A verifier that keeps the first `name` would read another request than ours (which kept the last)."""
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    payload = '{"name":"Someone else",' + body["payload"][1:]
    assert json.loads(payload) == json.loads(body["payload"])  # last one wins: it parses to exactly the body
    duplicated = {**body, "payload": payload, "signature": sign_message(signing_key.private_key, payload)}

    response = connect(api, enterprise, auth, duplicated)

    assert network_error(response, 400) == "PayloadMismatch"
    assert "duplicate" in response.json()["error"]
    assert_nothing_written()


def test_a_signature_no_active_key_made_is_400(api, enterprise, auth, client_record, signing_key, partner):
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    other = SigningKeyFactory(organization=OrganizationFactory())
    forged = {**body, "signature": sign_message(other.private_key, body["payload"])}
    assert network_error(connect(api, enterprise, auth, forged), 400) == "InvalidSignature"
    signing_key.active = False
    signing_key.save()
    response = connect(api, enterprise, auth, body)  # a good signature, by a key deactivated since
    assert network_error(response, 400) == "InvalidSignature"
    assert_nothing_written()


def test_a_used_nonce_is_400(api, enterprise, auth, client_record, signing_key, partner):
    body = signed(api, enterprise, auth, signing_key, signing_body(partner))
    assert connect(api, enterprise, auth, body).status_code == 200
    again = connect(api, enterprise, auth, body)
    assert network_error(again, 400) == "NonceReused"
    assert Connection.objects.count() == 1


# --- reading and updating ------------------------------------------------------------------------------------------


def test_list_filters_get_and_update(api, enterprise, auth, client_record):
    a = ConnectionFactory(client=client_record, name="A")
    b = ConnectionFactory(client=client_record, name="B", active=False)
    ConnectionFactory()  # another enterprise's
    listed = api.get(url(enterprise, "clients/connections"), **auth).json()["connections"]
    assert [c["id"] for c in listed] == [str(a.pk), str(b.pk)]
    for query, expected in (
        ({"active": "false"}, [b]),
        ({"connectionIds": str(a.pk)}, [a]),
        ({"names": "B"}, [b]),
        ({"partnerIds": f"{a.partner_id},{b.partner_id}"}, [a, b]),
    ):
        found = api.get(url(enterprise, "clients/connections"), query, **auth).json()["connections"]
        assert [c["id"] for c in found] == [str(c.pk) for c in expected], query
    detail = api.get(url(enterprise, f"clients/connections/{a.pk}"), **auth)
    assert detail.json()["connection"]["name"] == "A"
    updated = api.put(
        url(enterprise, f"clients/connections/{a.pk}"), {"name": "A2", "active": False}, format="json", **auth
    )
    assert updated.status_code == 200
    assert updated.json()["connection"]["name"] == "A2" and updated.json()["connection"]["active"] is False


def test_another_enterprises_connection_is_404_and_unchanged(api, enterprise, auth, client_record):
    theirs = ConnectionFactory(name="Theirs")
    assert api.get(url(enterprise, f"clients/connections/{theirs.pk}"), **auth).status_code == 404
    response = api.put(url(enterprise, f"clients/connections/{theirs.pk}"), {"name": "Mine"}, format="json", **auth)
    assert network_error(response, 404) == "NotFoundError"
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_partner_side_sees_only_connections_to_itself(api, enterprise, auth):
    me = PartnerFactory(enterprise=enterprise)
    mine = ConnectionFactory(partner=me, partners_client_id="c-1", partners_connection_id="x-1")
    other = ConnectionFactory()
    listed = api.get(url(enterprise, "partners/connections"), **auth).json()["connections"]
    assert [c["id"] for c in listed] == [str(mine.pk)]
    inactive = ConnectionFactory(partner=me, active=False)
    for query, expected in (
        ({"partnersClientIds": "c-1"}, [mine]),
        ({"partnersConnectionIds": "x-1"}, [mine]),
        ({"clientIds": str(mine.client_id)}, [mine]),
        ({"connectionIds": f"{mine.pk},{other.pk}"}, [mine]),
        ({"active": "false"}, [inactive]),
        ({"partnerIds": str(me.pk)}, [mine, inactive]),
        ({"partnerIds": str(other.partner_id)}, []),
    ):
        found = api.get(url(enterprise, "partners/connections"), query, **auth).json()["connections"]
        assert [c["id"] for c in found] == [str(c.pk) for c in expected], query
    assert api.get(url(enterprise, "partners/connections"), {"partnersClientIds": "c-2"}, **auth).json() == {
        "connections": []
    }
    assert api.get(url(enterprise, f"partners/connections/{mine.pk}"), **auth).status_code == 200
    assert api.get(url(enterprise, f"partners/connections/{other.pk}"), **auth).status_code == 404


@pytest.mark.parametrize("side", ["clients/connections", "partners/connections"])
def test_connection_lists_keep_their_query_count(api, enterprise, auth, client_record, side):
    me = PartnerFactory(enterprise=enterprise, client=client_record)
    make = (
        (lambda: ConnectionFactory(client=client_record))
        if side.startswith("clients")
        else (lambda: ConnectionFactory(partner=me))
    )
    make()
    assert_constant_queries(
        fetch=lambda: api.get(url(enterprise, side), {"pageSize": 100}, **auth),
        add_rows=lambda n: [make() for _ in range(n)],
        count=lambda response: len(response.json()["connections"]),
    )


def test_the_connection_key_is_encrypted_at_rest(api, enterprise, auth, client_record, signing_key):
    from django.db import connection as db

    partner = PartnerFactory(connection_key_schema=ConnectionKeySchema.API_KEY_AND_SECRET)
    body = signed(
        api, enterprise, auth, signing_key, signing_body(partner, schema=ConnectionKeySchema.API_KEY_AND_SECRET)
    )
    assert connect(api, enterprise, auth, body).status_code == 200
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM partners_connection")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "shh" not in row and "apiSecret" not in row  # neither the key nor the signed payload that holds it
    stored = Connection.objects.get()
    assert stored.connection_key["apiSecret"] == "shh" and '"apiSecret":"shh"' in stored.payload


def test_a_missing_connection_key_is_400_not_a_crash(api, enterprise, auth, client_record, partner):
    """Found by schemathesis: the field's own "required" message was overridden with one needing arguments."""
    body = {k: v for k, v in signing_body(partner).items() if k != "connectionKey"}
    response = api.post(url(enterprise, "clients/connections/signing"), body, format="json", **auth)
    assert response.status_code == 400
    assert response.json()["details"] == [
        {"field": "connectionKey", "message": "This field is required.", "code": "required"}
    ]


@pytest.mark.parametrize("side", ["clients/connections/signing", "clients/connections"])
def test_a_lone_surrogate_in_the_connection_key_is_400(
    api, enterprise, auth, client_record, signing_key, partner, side
):
    """Not text: it cannot be encrypted (was a 500) nor signed (was a payload with U+FFFD in its place)."""
    body = {**signing_body(partner), "connectionKey": {"schema": "token", "connectionToken": "tok-\ud800"}}
    payload = json.dumps(body)  # ASCII escapes: it parses back to exactly the body, surrogate included
    body |= {"payload": payload, "signature": sign_message(signing_key.private_key, payload)}

    response = api.post(url(enterprise, side), json.dumps(body), content_type="application/json", **auth)

    assert network_error(response, 400)
    assert response.json()["details"][0]["field"] == "connectionKey"
    assert_nothing_written()


# --- H1: a signed connection request cannot be replayed by another organization ------------------------------------


def test_another_organization_cannot_replay_a_connection_request(api, enterprise, auth, client_record, partner):
    """Issue 14, H1: X registered C1's public key (no proof was asked) and posted C1's connection body → 200, a
    connection for X carrying C1's credentials. Now X cannot register the key, whatever proof it replays."""
    holder = PrivateKey()
    registration = key_registration(enterprise, holder)
    c1_headers = {**network_token(enterprise, [PermissionCode.MANAGE_ORGANIZATION]), **org_headers(enterprise)}
    assert api.post("/api/v1/signing-keys", registration, format="json", **c1_headers).status_code == 201
    c1_key = SimpleNamespace(private_key=holder)
    original = signed(api, enterprise, auth, c1_key, signing_body(partner))
    assert connect(api, enterprise, auth, original).status_code == 200

    intruder = OrganizationFactory(name="Intruder")
    LicenseFactory(organization=intruder)
    NetworkClientFactory(enterprise=intruder)
    x_headers = {**network_token(intruder, [PermissionCode.MANAGE_ORGANIZATION]), **org_headers(intruder)}
    without_proof = {"label": "C1's key", "public_key": registration["public_key"]}
    assert api.post("/api/v1/signing-keys", without_proof, format="json", **x_headers).status_code == 422
    # C1's own proof names C1: refused for X on the challenge.
    replayed_proof = api.post("/api/v1/signing-keys", registration, format="json", **x_headers)
    assert replayed_proof.status_code == 422
    assert [e["loc"] for e in replayed_proof.json()["detail"]] == [["body", "challenge"]]
    # X's own challenge, signed by a key X holds, proves nothing about C1's key.
    forged = key_registration(intruder, PrivateKey(), public_key=registration["public_key"])
    refused = api.post("/api/v1/signing-keys", forged, format="json", **x_headers)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "signature"]]
    assert not SigningKey.objects.filter(organization=intruder).exists()

    replay = connect(api, intruder, network_token(intruder), original)
    assert network_error(replay, 400) == "InvalidSignature"
    assert Connection.objects.count() == 1


def test_a_partner_never_accepts_a_connection_nonce_twice(api, enterprise, auth, client_record, signing_key, partner):
    """The request names no client, so the partner remembers its nonces too: another client's request carrying a
    nonce this partner saw is refused (400), even with a signature of its own."""
    assert (
        connect(api, enterprise, auth, signed(api, enterprise, auth, signing_key, signing_body(partner))).status_code
        == 200
    )
    other = OrganizationFactory(name="Other client")
    LicenseFactory(organization=other)
    NetworkClientFactory(enterprise=other)
    other_auth = network_token(other)
    other_key = SigningKeyFactory(organization=other)
    body = signed(api, other, other_auth, other_key, signing_body(partner, name="Same nonce"))

    assert network_error(connect(api, other, other_auth, body), 400) == "NonceReused"
    assert Connection.objects.count() == 1
    assert not UsedNonce.objects.filter(organization=other).exists()  # the refusal released its nonce
    elsewhere = signed(api, other, other_auth, other_key, signing_body(PartnerFactory(name="Elsewhere")))
    assert connect(api, other, other_auth, elsewhere).status_code == 200  # the same nonce at another partner
