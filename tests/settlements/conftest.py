# ruff: noqa: F811 - the fixtures imported below share their names with helper arguments
"""Settlement fixtures: a partner (Bravo Exchange, tbtc and teth) with two funded client connections that have
allocated to it, and signed settlement and dispute bodies as a client of the reference API would build them."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef
from allocations.selectors.ledger import account_balance
from allocations.services.ledger import ledger_post, transfer
from organizations.signing import sign_message
from partners.models import Currency
from tests.allocations.conftest import (  # noqa: F401 - fixtures
    auth,
    balances,
    client_record,
    connection,
    enterprise,
    fund,
    partner,
    partner_auth,
    partner_key,
    signing_key,
    tbtc,
)
from tests.factories.organizations import LicenseFactory, OrganizationFactory, SigningKeyFactory
from tests.factories.partners import ConnectionFactory, NetworkClientFactory
from tests.partners.conftest import network_token

V1 = "/api/network/v1/enterprises/{}/"
V2 = "/api/network/v2/enterprises/{}/"


def v1(organization, rest: str) -> str:
    return V1.format(organization.pk) + rest


def v2(organization, rest: str) -> str:
    return V2.format(organization.pk) + rest


def allocate(connection, currency, amount: int) -> None:
    """Funds the client and moves `amount` to the connection's HELD account (a cleared allocation's posting)."""
    fund(connection.client, currency, amount)
    ledger_post(
        kind="allocation",
        lines=transfer(
            source=AccountRef(connection.client_id, AccountKind.AVAILABLE, currency),
            destination=AccountRef(connection.network_account_id, AccountKind.HELD, currency),
            amount=amount,
        ),
    )


def fund_partner(partner, currency, amount: int) -> None:
    """Credits the partner's own account from outside the network (what pays its clients' gains)."""
    ledger_post(
        kind="deposit",
        lines=transfer(
            source=AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency),
            destination=AccountRef(partner.pk, AccountKind.PARTNER, currency),
            amount=amount,
        ),
    )


def held(connection, currency) -> int:
    return account_balance(AccountRef(connection.network_account_id, AccountKind.HELD, currency))


def partner_account(partner, currency) -> int:
    return account_balance(AccountRef(partner.pk, AccountKind.PARTNER, currency))


def sign(fields: dict, key) -> tuple[str, str]:
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return payload, sign_message(key.private_key, payload)


def settlement_body(amounts: dict, key, *, external_id=None, nonce=None, notes=None, cutoff_at=None) -> dict:
    """A partner's signed settlement body: externalId, notes, settlementAmounts, nonce, cutoffAt (v2)."""
    fields = {"externalId": external_id or f"s-{uuid.uuid4().hex[:12]}"}
    if notes:
        fields["notes"] = notes
    fields["settlementAmounts"] = amounts
    fields["nonce"] = nonce or uuid.uuid4().hex
    if cutoff_at is not None:
        fields["cutoffAt"] = cutoff_at
    payload, signature = sign(fields, key)
    return {**fields, "payload": payload, "signature": signature}


def cutoff(minutes_ago: int = 0) -> str:
    return (timezone.now() - datetime.timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def dispute_body(settlement_id, connection, key, *, expected=None, reason="Trades missing", nonce=None) -> dict:
    fields = {"connectionId": str(connection.pk)}
    if reason:
        fields["reason"] = reason
    fields["expectedTransfers"] = expected if expected is not None else {"tbtc": "100"}
    fields["nonce"] = nonce or uuid.uuid4().hex
    payload, signature = sign({**fields, "settlementId": str(settlement_id)}, key)
    return {**fields, "payload": payload, "signature": signature}


def dispute_update_body(dispute, key, *, retracted: bool, reason=None, nonce=None) -> dict:
    fields = {"connectionId": str(dispute.connection_id), "retracted": retracted}
    if reason:
        fields["reason"] = reason
    fields["nonce"] = nonce or uuid.uuid4().hex
    signed = {**fields, "disputeId": str(dispute.pk), "settlementId": str(dispute.settlement_id)}
    payload, signature = sign(signed, key)
    return {**fields, "payload": payload, "signature": signature}


def dispute_close_body(enterprise, dispute, key, *, notes="My mistake", nonce=None) -> dict:
    fields = {"notes": notes, "nonce": nonce or uuid.uuid4().hex}
    signed = {"enterpriseId": str(enterprise.pk), "disputeId": str(dispute.pk), **fields}
    payload, signature = sign(signed, key)
    return {**fields, "payload": payload, "signature": signature}


@pytest.fixture
def teth(db):
    return Currency.objects.get(code="teth")


@pytest.fixture
def second_client():
    """Another client enterprise (Globex) with its network client."""
    enterprise = OrganizationFactory(name="Globex")
    LicenseFactory(organization=enterprise)
    return NetworkClientFactory(enterprise=enterprise)


@pytest.fixture
def second_key(second_client):
    return SigningKeyFactory(organization=second_client.enterprise)


@pytest.fixture
def second_connection(second_client, partner):
    return ConnectionFactory(client=second_client, partner=partner, name="Globex at Bravo")


@pytest.fixture
def second_auth(second_client):
    return network_token(second_client.enterprise)


@pytest.fixture
def disputes_partner(partner):
    """The partner with disputes enabled and zero-length windows unless a test sets them."""
    partner.config.disputes_enabled = True
    partner.config.save()
    partner.client_dispute_window_minutes = 60
    partner.top_up_window_minutes = 30
    partner.save()
    return partner
