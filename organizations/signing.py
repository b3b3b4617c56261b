"""Signed requests: the "Bitcoin signed message" scheme of the network's reference SDK (DESIGN.md §4).

A signature is 65 bytes, hex: a header byte (27 + recovery id, +4 when the key is compressed, up to +8 more for the
segwit address variants some SDKs emit) followed by r and s. It signs
double-SHA256("\\x18Bitcoin Signed Message:\\n" + varint(len(payload)) + payload as UTF-8).

Verification recovers the public key from the signature and compares it with the registered key. Every verifying
function here is total: malformed input of any kind verifies as False and never raises. `sign_message` is the
production signer (custodial keys); it makes signatures in the form the reference SDK emits.

What is signed is `signing_payload(fields)`: a request's signed fields as the reference SDK serializes them, one
encoding for every signed request (connections, allocations, partner confirmations; settlements next).
"""

import binascii
import hashlib
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import base58
from coincurve import PrivateKey, PublicKey
from django.core import signing as django_signing
from django.utils import timezone

from organizations.errors import InvalidPublicKey

if TYPE_CHECKING:
    from organizations.models import Organization, SigningKey

MESSAGE_PREFIX = b"\x18Bitcoin Signed Message:\n"
SIGNATURE_HEX_LENGTH = 130  # 65 bytes
MAX_PAYLOAD_BYTES = 1_000_000  # far above any real request; bigger inputs are refused before hashing
# BIP32 extended public key version bytes: mainnet xpub, testnet tpub.
_XPUB_VERSIONS = {bytes.fromhex("0488b21e"), bytes.fromhex("043587cf")}


NONCE_PATTERN = r"^[0-9a-f]{32}$"  # the nonces the web pages make (`new_nonce`); the API takes any string


def signing_payload(fields: dict) -> str:
    """The exact string a signed request signs: its fields as compact JSON in their given order, non-ASCII kept as
    is (the reference SDK's `JSON.stringify`). The check (`signed_request_accept`) compares parsed JSON, so a
    signer's own key order verifies too."""
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def new_nonce() -> str:
    """A nonce for one signed request: random, so it is new for the organization (the database still decides)."""
    return secrets.token_hex(16)


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def message_hash(payload: str) -> bytes:
    data = payload.encode("utf-8")
    return hashlib.sha256(hashlib.sha256(MESSAGE_PREFIX + _varint(len(data)) + data).digest()).digest()


def normalize_public_key(value: str) -> tuple[str, str]:
    """A registered key as (kind, compressed public key hex). Accepts a compressed key in hex or an xpub/tpub."""
    value = (value or "").strip()
    if value.startswith(("xpub", "tpub")):
        try:
            raw = base58.b58decode_check(value)
        except ValueError as exc:
            raise InvalidPublicKey("The extended public key has a bad checksum or encoding.") from exc
        if len(raw) != 78 or raw[:4] not in _XPUB_VERSIONS:
            raise InvalidPublicKey("The extended public key is not a BIP32 xpub.")
        key_bytes, kind = raw[45:], "xpub"
    else:
        if len(value) != 66:
            raise InvalidPublicKey("A public key must be 33 bytes (66 hex characters), compressed.")
        try:
            key_bytes = bytes.fromhex(value)
        except ValueError as exc:
            raise InvalidPublicKey("The public key is not valid hex.") from exc
        kind = "public_key"
    if key_bytes[:1] not in (b"\x02", b"\x03"):
        raise InvalidPublicKey("The public key must be in compressed form (02 or 03 prefix).")
    try:
        PublicKey(key_bytes)
    except ValueError as exc:
        raise InvalidPublicKey("The public key is not a point on secp256k1.") from exc
    return kind, key_bytes.hex()


# --- proof of possession at key registration ----------------------------------------------------------------------

# A challenge is signed by the server (Django's TimestampSigner, keyed by SECRET_KEY), names the organization the key
# is registered for, and expires: a signature by the key over it proves the registrant holds the private key *and*
# means it for this organization, so another organization can never register someone else's public key.
KEY_CHALLENGE_MAX_AGE = timedelta(hours=1)
_KEY_CHALLENGE_SALT = "organizations.signing-key-registration"
_KEY_CHALLENGE_TEXT = "Register a signing key for organization {organization_id} (challenge {token})"
_KEY_CHALLENGE_PATTERN = re.compile(
    r"^Register a signing key for organization (?P<organization_id>[0-9a-f-]{36}) \(challenge [0-9a-f]{32}\)$"
)
MAX_KEY_CHALLENGE_LENGTH = 200


def key_challenge_issue(organization_id: uuid.UUID) -> tuple[str, datetime]:
    """A new registration challenge for the organization, and when it expires. Stateless: nothing is stored."""
    text = _KEY_CHALLENGE_TEXT.format(organization_id=organization_id, token=secrets.token_hex(16))
    return (
        django_signing.TimestampSigner(salt=_KEY_CHALLENGE_SALT).sign(text),
        timezone.now() + KEY_CHALLENGE_MAX_AGE,
    )


def key_challenge_problem(challenge: str, organization_id: uuid.UUID) -> str | None:
    """Why `challenge` does not hold for registering a key in the organization, or None when it does."""
    if not isinstance(challenge, str) or not challenge or len(challenge) > MAX_KEY_CHALLENGE_LENGTH:
        return "Sign a registration challenge issued for this organization."
    try:
        text = django_signing.TimestampSigner(salt=_KEY_CHALLENGE_SALT).unsign(challenge, max_age=KEY_CHALLENGE_MAX_AGE)
    except django_signing.SignatureExpired:
        return "The challenge expired: sign a new one."
    except django_signing.BadSignature:
        return "This is not a challenge issued by this server: sign the challenge exactly as issued."
    match = _KEY_CHALLENGE_PATTERN.match(text)
    if match is None or match["organization_id"] != str(organization_id):
        return "This challenge was issued for another organization: sign one issued for this organization."
    return None


def generate_private_key() -> PrivateKey:
    """A new secp256k1 private key from the operating system's CSPRNG (coincurve's default)."""
    return PrivateKey()


def private_key_from_hex(value: str) -> PrivateKey:
    return PrivateKey.from_hex(value)


def sign_message(private_key: PrivateKey, payload: str) -> str:
    """A compact recoverable signature over `payload`, in hex: header 27 + 4 (compressed key) + recovery id, r, s.

    Deterministic (RFC 6979), as the reference SDK's signer.
    """
    recoverable = private_key.sign_recoverable(message_hash(payload), hasher=None)
    r_s, recovery_id = recoverable[:64], recoverable[64]
    return (bytes([27 + 4 + recovery_id]) + r_s).hex()


def verify_signature(public_key: str, payload: str, signature: str) -> bool:
    """True when `signature` (hex) over `payload` was made by the private key of `public_key` (hex or xpub)."""
    try:
        if not isinstance(payload, str) or not isinstance(signature, str) or not isinstance(public_key, str):
            return False
        if len(signature) != SIGNATURE_HEX_LENGTH or len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            return False
        _kind, expected = normalize_public_key(public_key)
        sig = binascii.unhexlify(signature)
        header = sig[0]
        if not 27 <= header <= 42:
            return False
        recovery_id = (header - 27) & 3
        recovered = PublicKey.from_signature_and_message(
            sig[1:] + bytes([recovery_id]), message_hash(payload), hasher=None
        )
        return recovered.format(compressed=True).hex() == expected
    except (ValueError, TypeError, binascii.Error, UnicodeError, InvalidPublicKey):
        return False
    except Exception:  # coincurve raises bare Exception for some malformed points/signatures
        return False


def signed_request_verify(
    organization: "Organization", payload: str, signature: str, keys: "list[SigningKey] | None" = None
) -> "SigningKey | None":
    """The organization's active signing key that made `signature` over `payload`, or None. `keys`: those keys when
    the caller read them already (with its own statement), else they are read here."""
    from organizations.selectors import signing_keys_active

    if keys is None:
        keys = signing_keys_active(organization=organization)
    for key in keys:
        if verify_signature(key.compressed_public_key, payload, signature):
            return key
    return None
