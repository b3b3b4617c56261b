"""Secrets at rest: what the database row holds, key rotation with `reencrypt_secrets`, and wrong or missing keys."""

import pytest
from coincurve import PrivateKey
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection, models, transaction
from django.test import override_settings
from django.test.utils import isolate_apps

from config.crypto import EncryptedJSONField, EncryptedTextField, SecretUnreadable
from organizations.models import CustodialSigningKey
from tests.factories.organizations import SigningKeyFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def make_custodial(private_key: PrivateKey | None = None) -> CustodialSigningKey:
    private_key = private_key or PrivateKey()
    signing_key = SigningKeyFactory(private_key=private_key)
    return CustodialSigningKey.objects.create(
        organization=signing_key.organization, signing_key=signing_key, private_key=private_key.to_hex()
    )


def stored(obj, column: str) -> str | None:
    """The column's value as the database holds it (raw SQL, past the field's decryption)."""
    table, pk = obj._meta.db_table, obj._meta.pk
    with connection.cursor() as cursor:
        sql = f"SELECT {column} FROM {table} WHERE {pk.column} = %s"  # noqa: S608 - names from the test itself
        cursor.execute(sql, [pk.get_db_prep_value(obj.pk, connection)])
        return cursor.fetchone()[0]


def read_back(obj):
    return type(obj).objects.get(pk=obj.pk)


def reencrypt(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("reencrypt_secrets", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_database_row_holds_a_token_not_the_secret():
    private_key = PrivateKey()
    custodial = make_custodial(private_key)

    raw = stored(custodial, "private_key")

    assert private_key.to_hex() not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    assert read_back(custodial).private_key == private_key.to_hex()


@pytest.mark.django_db
def test_encrypting_the_same_value_twice_gives_different_tokens():
    private_key = PrivateKey()
    first = make_custodial(private_key)
    other_key = SigningKeyFactory()  # a public key is registered once: the same secret under another row
    second = CustodialSigningKey.objects.create(
        organization=other_key.organization, signing_key=other_key, private_key=private_key.to_hex()
    )

    assert stored(first, "private_key") != stored(second, "private_key")


@pytest.mark.django_db
def test_encrypted_columns_cannot_be_looked_up_by_value():
    custodial = make_custodial()

    with pytest.raises(FieldError, match="is encrypted"):
        CustodialSigningKey.objects.filter(private_key=custodial.private_key).exists()
    assert CustodialSigningKey.objects.filter(private_key__isnull=False).count() == 1


@pytest.mark.django_db
def test_rotation_keeps_old_rows_readable_and_the_command_moves_them_to_the_new_key():
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        rows = [make_custodial() for _ in range(5)]
    clear = {row.pk: row.private_key for row in rows}
    old_tokens = {row.pk: stored(row, "private_key") for row in rows}

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert {row.pk: read_back(row).private_key for row in rows} == clear  # old rows still readable
        output = reencrypt("--batch-size", "2")
        assert "organizations.CustodialSigningKey.private_key: 5 re-encrypted, 0 already current" in output
        again = reencrypt()
        assert "organizations.CustodialSigningKey.private_key: 0 re-encrypted, 5 already current" in again

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):  # the old key removed
        assert {row.pk: read_back(row).private_key for row in rows} == clear
    for row in rows:
        assert stored(row, "private_key") != old_tokens[row.pk]
        assert Fernet(NEW_KEY).decrypt(stored(row, "private_key").encode()).decode() == clear[row.pk]


@pytest.mark.django_db
def test_without_the_key_that_encrypted_a_row_reading_it_is_a_clear_error():
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        custodial = make_custodial()
    token = stored(custodial, "private_key")

    with override_settings(ENCRYPTION_KEYS=[OTHER_KEY]), pytest.raises(SecretUnreadable) as caught:
        read_back(custodial)

    message = str(caught.value)
    assert "organizations.CustodialSigningKey.private_key" in message
    assert "cannot be decrypted with any key in ENCRYPTION_KEYS" in message
    assert token not in message
    assert custodial.private_key not in message


@pytest.mark.django_db
def test_the_command_leaves_rows_it_cannot_decrypt_and_fails_saying_so():
    with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
        custodial = make_custodial()
    token = stored(custodial, "private_key")

    with override_settings(ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(CommandError, match="cannot be decrypted"):
        reencrypt()

    assert stored(custodial, "private_key") == token


@pytest.mark.django_db
@pytest.mark.parametrize("keys", [[], [""]], ids=["unset", "empty"])
def test_no_key_at_all_is_a_configuration_error_not_plain_text(keys):
    private_key = PrivateKey()
    signing_key = SigningKeyFactory(private_key=private_key)

    with (
        override_settings(ENCRYPTION_KEYS=keys),
        pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEYS is empty"),
        transaction.atomic(),
    ):
        CustodialSigningKey.objects.create(
            organization=signing_key.organization, signing_key=signing_key, private_key=private_key.to_hex()
        )

    assert not CustodialSigningKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("keys", [["not-a-key"], [NEW_KEY, "A" * 44 + "x"], [NEW_KEY[:-2]]])
def test_a_malformed_key_fails_the_system_checks_naming_its_position_not_its_value(keys):
    with override_settings(ENCRYPTION_KEYS=keys), pytest.raises(SystemCheckError) as caught:
        call_command("check")

    assert "config.E001" in str(caught.value)
    assert f"key {len(keys)} of {len(keys)} is not a Fernet key" in str(caught.value)
    assert keys[-1] not in str(caught.value)


# --- the JSON field, on a model made for the test ---------------------------------------------------------------


@pytest.fixture
def secret_model(transactional_db):
    with isolate_apps("config"):

        class ConnectionSecret(models.Model):
            key = EncryptedJSONField()
            note = EncryptedTextField(null=True)

            class Meta:
                app_label = "config"
                db_table = "test_crypto_connection_secret"

            def __str__(self) -> str:
                return str(self.pk)

        with connection.schema_editor() as editor:
            editor.create_model(ConnectionSecret)
        try:
            yield ConnectionSecret
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(ConnectionSecret)


def test_a_json_secret_is_stored_as_one_token_and_reads_back_as_the_same_object(secret_model):
    key = {"apiKey": "ak_live_4242", "apiSecret": "s3cr3t-\u00e9-value", "nested": {"n": [1, 2]}}

    row = secret_model.objects.create(key=key, note=None)

    raw = stored(row, "key")
    assert "s3cr3t" not in raw and "ak_live_4242" not in raw and "apiSecret" not in raw
    assert stored(row, "note") is None
    assert read_back(row).key == key
    assert read_back(row).note is None
