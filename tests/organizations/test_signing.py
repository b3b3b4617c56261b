"""Signature verification against the reference SDK's own vectors and against garbage; the production signer."""

import json
from pathlib import Path

import pytest
from coincurve import PrivateKey

from organizations.signing import (
    SIGNATURE_HEX_LENGTH,
    normalize_public_key,
    sign_message,
    signed_request_verify,
    verify_signature,
)
from tests.factories.organizations import SigningKeyFactory

VECTORS_PATH = Path(__file__).resolve().parents[1] / "data" / "signed_payloads.json"
VECTORS = json.loads(VECTORS_PATH.read_text())
KEYS = {key["name"]: key for key in VECTORS["keys"]}


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=lambda v: f"{v['key']}:{v['payload'][:30]}")
@pytest.mark.parametrize("key_form", ["publicKey", "xpub"])
def test_every_valid_vector_verifies(vector, key_form):
    assert verify_signature(KEYS[vector["key"]][key_form], vector["payload"], vector["signature"]) is True


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["why"])
def test_every_invalid_vector_is_refused(vector):
    assert verify_signature(KEYS[vector["key"]]["publicKey"], vector["payload"], vector["signature"]) is False


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=lambda v: v["key"])
def test_valid_signature_does_not_verify_for_another_key(vector):
    other = next(name for name in KEYS if name != vector["key"])
    assert verify_signature(KEYS[other]["publicKey"], vector["payload"], vector["signature"]) is False


def test_xpub_resolves_to_the_vector_public_key():
    for key in VECTORS["keys"]:
        assert normalize_public_key(key["xpub"]) == ("xpub", key["publicKey"])
        assert normalize_public_key(key["publicKey"]) == ("public_key", key["publicKey"])


GOOD = VECTORS["valid"][0]
GOOD_KEY = KEYS[GOOD["key"]]["publicKey"]


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "0",  # odd length
        GOOD["signature"][:-1],  # odd length, one short
        GOOD["signature"][:-2],  # 64 bytes
        GOOD["signature"] + "00",  # 66 bytes
        "zz" * 65,  # not hex
        "00" * 65,  # header 0, zero r/s
        "1b" + "00" * 64,  # valid header, zero r and s
        "ff" + GOOD["signature"][2:],  # header out of range
        "20" + "ff" * 64,  # r and s above the curve order
        "a" * 10_000_000,  # huge
        "\u00e9" * 130,  # non-ASCII
    ],
    ids=lambda s: f"len{len(s)}",
)
def test_garbage_signatures_are_false_without_raising(signature):
    assert verify_signature(GOOD_KEY, GOOD["payload"], signature) is False


@pytest.mark.parametrize(
    "public_key",
    ["", "02", "zz" * 33, "04" + "11" * 32, "02" + "ff" * 32, "xpub123", "xpub" + "1" * 107, GOOD_KEY[:-2]],
)
def test_garbage_public_keys_are_false_without_raising(public_key):
    assert verify_signature(public_key, GOOD["payload"], GOOD["signature"]) is False


@pytest.mark.parametrize("payload", [None, 123, b"bytes", "x" * 2_000_000])
def test_garbage_payloads_are_false_without_raising(payload):
    assert verify_signature(GOOD_KEY, payload, GOOD["signature"]) is False


def test_non_string_signature_and_key_are_false():
    assert verify_signature(None, GOOD["payload"], GOOD["signature"]) is False
    assert verify_signature(GOOD_KEY, GOOD["payload"], None) is False
    assert verify_signature(GOOD_KEY, GOOD["payload"], 12345) is False


def _header(signature: str) -> int:
    return bytes.fromhex(signature[:2])[0]


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=lambda v: f"{v['key']}:{v['payload'][:30]}")
def test_the_production_signer_makes_signatures_in_the_vectors_format_that_verify(vector):
    """sign_message (custodial keys) over the reference payloads: verifies for its key only, same encoding as the
    reference SDK's signatures (65 bytes, lowercase hex, header 27 + 4 + recovery id for a compressed key)."""
    private_key = PrivateKey()
    public_key = private_key.public_key.format(compressed=True).hex()

    signature = sign_message(private_key, vector["payload"])

    assert verify_signature(public_key, vector["payload"], signature) is True
    assert verify_signature(public_key, vector["payload"] + " ", signature) is False
    assert verify_signature(KEYS[vector["key"]]["publicKey"], vector["payload"], signature) is False
    assert len(signature) == len(vector["signature"]) == SIGNATURE_HEX_LENGTH
    assert signature == signature.lower() and bytes.fromhex(signature)
    assert 31 <= _header(signature) <= 34
    assert 31 <= _header(vector["signature"]) <= 34  # the reference SDK marks its keys compressed the same way


def test_the_production_signer_is_deterministic():
    private_key, payload = PrivateKey(), VECTORS["valid"][0]["payload"]

    assert sign_message(private_key, payload) == sign_message(private_key, payload)


@pytest.mark.django_db
def test_signed_request_verify_uses_only_the_organizations_active_keys(organization):
    key = SigningKeyFactory(organization=organization)
    other_org_key = SigningKeyFactory()
    payload = '{"nonce":"abc"}'

    assert signed_request_verify(organization, payload, sign_message(key.private_key, payload)) == key
    assert signed_request_verify(organization, payload, sign_message(other_org_key.private_key, payload)) is None

    key.active = False
    key.save(update_fields=["active"])
    assert signed_request_verify(organization, payload, sign_message(key.private_key, payload)) is None


@pytest.mark.django_db
def test_signed_request_verify_with_a_registered_xpub(organization):
    vector = VECTORS["valid"][1]
    SigningKeyFactory(
        organization=organization,
        kind="xpub",
        public_key=KEYS[vector["key"]]["xpub"],
        compressed_public_key=KEYS[vector["key"]]["publicKey"],
    )
    assert signed_request_verify(organization, vector["payload"], vector["signature"]) is not None
