"""factory-boy factories. Secrets made here are kept on the instance (`raw_secret`, `private_key`) for tests."""

import secrets

import base58
import factory
from coincurve import PrivateKey
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from organizations.models import (
    ALL_PERMISSIONS,
    ApiClient,
    License,
    Membership,
    Organization,
    OrganizationConnection,
    Role,
    SigningKey,
)
from organizations.signing import key_challenge_issue, sign_message

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(lambda: make_password(DEFAULT_PASSWORD))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OWNER


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License

    organization = factory.SubFactory(OrganizationFactory)


class ApiClientFactory(factory.django.DjangoModelFactory):
    """Pass `raw_secret=` or get a random one; `api_client.raw_secret` is the clear secret for the stored hash."""

    class Meta:
        model = ApiClient

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    client_id = factory.Sequence(lambda n: f"pnc_test{n:08d}")
    permissions = factory.LazyFunction(lambda: sorted(ALL_PERMISSIONS))

    @classmethod
    def _create(cls, model_class, *args, raw_secret: str | None = None, **kwargs):
        raw_secret = raw_secret or secrets.token_urlsafe(16)
        obj = super()._create(model_class, *args, secret_hash=make_password(raw_secret), **kwargs)
        obj.raw_secret = raw_secret
        return obj


class SigningKeyFactory(factory.django.DjangoModelFactory):
    """Pass `private_key=` (coincurve) or get a new one; it stays on `signing_key.private_key` for signing."""

    class Meta:
        model = SigningKey

    organization = factory.SubFactory(OrganizationFactory)
    label = factory.Sequence(lambda n: f"Key {n}")
    kind = "public_key"

    @classmethod
    def _create(cls, model_class, *args, private_key: PrivateKey | None = None, **kwargs):
        private_key = private_key or PrivateKey()
        public_key = private_key.public_key.format(compressed=True).hex()
        kwargs.setdefault("public_key", public_key)
        kwargs.setdefault("compressed_public_key", public_key)
        obj = super()._create(model_class, *args, **kwargs)
        obj.private_key = private_key
        return obj


class OrganizationConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationConnection

    host = factory.SubFactory(OrganizationFactory)
    guest = factory.SubFactory(OrganizationFactory)


def xpub_of(private_key: PrivateKey) -> str:
    """A BIP32 xpub (mainnet, depth 0, a random chain code) whose key is `private_key`'s public key."""
    raw = (
        bytes.fromhex("0488b21e") + bytes(9) + secrets.token_bytes(32) + private_key.public_key.format(compressed=True)
    )
    return base58.b58encode_check(raw).decode()


def key_registration(organization, private_key: PrivateKey | None = None, **fields) -> dict:
    """The body that registers `private_key`'s public key for `organization` through the API or the page, with its
    proof of possession (a signature over a challenge issued for the organization). `fields` override any of it."""
    private_key = private_key or PrivateKey()
    challenge, _expires_at = key_challenge_issue(organization.pk)
    return {
        "label": "Treasury signer",
        "public_key": private_key.public_key.format(compressed=True).hex(),
        "challenge": challenge,
        "signature": sign_message(private_key, challenge),
        **fields,
    }
