"""Allocation fixtures: a funded client enterprise connected to a partner that supports tbtc, and signed requests."""

import contextlib
import json
import uuid

import pytest
from django.db import connection as db_connection
from django.db import transaction

from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef
from allocations.selectors.ledger import account_balance
from allocations.services.ledger import ledger_post, transfer
from organizations.signing import sign_message
from partners.models import Currency
from tests.factories.organizations import LicenseFactory, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory, PartnerFactory
from tests.partners.conftest import auth, enterprise, network_token, signing_key  # noqa: F401 - fixtures


@pytest.fixture
def tbtc(db):
    return Currency.objects.get(code="tbtc")


@pytest.fixture
def client_record(enterprise):  # noqa: F811
    return NetworkClientFactory(enterprise=enterprise)


@pytest.fixture
def partner(tbtc):
    partner = PartnerFactory(name="Bravo Exchange")
    LicenseFactory(organization=partner.enterprise)
    partner.config.supported_currencies.add(tbtc)
    return partner


@pytest.fixture
def partner_key(partner):
    return SigningKeyFactory(organization=partner.enterprise)


@pytest.fixture
def partner_auth(partner):
    return network_token(partner.enterprise)


@pytest.fixture
def connection(client_record, partner, signing_key):  # noqa: F811
    return ConnectionFactory(client=client_record, partner=partner)


def fund(client, currency, amount: int) -> None:
    """Credits the client's available account, as a deposit would (the funding service is another part)."""
    ledger_post(
        kind="deposit",
        lines=transfer(
            source=AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency),
            destination=AccountRef(client.pk, AccountKind.AVAILABLE, currency),
            amount=amount,
        ),
    )


def balances(connection, currency) -> dict[str, int]:
    """The client's available, and the connection's held and reserved balances."""
    account = connection.network_account_id
    return {
        "available": account_balance(AccountRef(connection.client_id, AccountKind.AVAILABLE, currency)),
        "held": account_balance(AccountRef(account, AccountKind.HELD, currency)),
        "reserved": account_balance(AccountRef(account, AccountKind.RESERVED, currency)),
    }


def signed_request(
    connection, key, *, quantity="100", currency="tbtc", notes=None, external_id=None, nonce=None, order=None
) -> dict:
    """A request body signed as the reference SDK's prepareAllocation lays it out (connectionId, amount, notes,
    clientExternalId, nonce), or in `order` of keys."""
    fields = {"connectionId": str(connection.pk), "amount": {"currency": currency, "quantity": quantity}}
    if notes is not None:
        fields["notes"] = notes
    fields["clientExternalId"] = external_id or str(uuid.uuid4())
    fields["nonce"] = nonce or uuid.uuid4().hex
    if order:
        fields = {name: fields[name] for name in order}
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    body = {name: value for name, value in fields.items() if name != "connectionId"}
    return {**body, "payload": payload, "signature": sign_message(key.private_key, payload)}


def partner_update(allocation, key, *, status="cleared", reason=None, kind="allocation", nonce=None, **overrides):
    """A partner's signed clear/release body for `allocation`."""
    fields = {
        f"{kind}Id": str(allocation.pk),
        "amount": {"currency": allocation.currency.code, "quantity": str(int(allocation.quantity))},
        "clientId": str(allocation.client_id),
        "connectionId": str(allocation.connection_id),
        "partnersClientId": "pc-1",
        "partnersConnectionId": "pconn-1",
        f"partners{kind.capitalize()}Id": f"p-{allocation.pk}",
        "status": status,
        "nonce": nonce or uuid.uuid4().hex,
    }
    if reason:
        fields["rejectReason"] = reason
    fields |= overrides
    payload = json.dumps(fields, separators=(",", ":"))
    return {**fields, "payload": payload, "signature": sign_message(key.private_key, payload)}


@contextlib.contextmanager
def balance_guard_off():
    """On PostgreSQL, the balance guard's door (allocations/migrations/0005) opened by hand for the block, as a
    tamperer with SQL access could: to test that ledger_verify finds a balance that disagrees with its entries."""
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT set_config('ledger.posting', 'on', true)")
        yield
