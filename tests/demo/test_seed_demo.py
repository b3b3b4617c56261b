"""`manage.py seed_demo`: idempotent demo data whose printed credentials and written keys really work."""

import json
import re

import pytest
from coincurve import PrivateKey
from django.core.management import call_command
from rest_framework.test import APIClient

from allocations.models import AccountKind, AccountRef, LedgerTransaction
from allocations.selectors.ledger import account_balance, ledger_differences
from allocations.services.funding import network_withdraw
from organizations.models import (
    ApiClient,
    License,
    Membership,
    Organization,
    OrganizationConnection,
    SigningKey,
    UsedNonce,
)
from organizations.signing import sign_message, signed_request_verify
from partners.models import Connection, Currency, NetworkClient, Partner, PartnerConfig

pytestmark = pytest.mark.django_db


def run_seed(tmp_path, capsys) -> str:
    call_command("seed_demo", output_dir=str(tmp_path))
    return capsys.readouterr().out


def counts():
    from allocations.models import Allocation
    from invitations.models import Invitation
    from organization_partners.models import OrganizationPartner
    from settlements.models import Dispute, Settlement

    models = (Organization, Membership, ApiClient, SigningKey, License, OrganizationConnection)
    models += (PartnerConfig, PartnerConfig.history.model, Partner, NetworkClient, Connection, UsedNonce)
    models += (Allocation, LedgerTransaction, Settlement, Dispute, Invitation, OrganizationPartner)
    return [m.objects.count() for m in models]


def test_seed_demo_is_idempotent_and_its_credentials_work(tmp_path, capsys):
    first = run_seed(tmp_path, capsys)
    after_first = counts()
    second = run_seed(tmp_path, capsys)

    assert counts() == after_first
    assert after_first[0] == 3
    # the same secret is printed both times, and it gets a token
    secrets = re.findall(r"client_id=(\S+) client_secret=(\S+)", first)
    assert secrets == re.findall(r"client_id=(\S+) client_secret=(\S+)", second)
    client_id, client_secret = secrets[0]
    response = APIClient().post(
        "/api/v1/oauth2/token", {"client_id": client_id, "client_secret": client_secret}, format="json"
    )
    assert response.status_code == 200


def test_seed_demo_signing_key_file_signs_for_its_organization(tmp_path, capsys):
    run_seed(tmp_path, capsys)
    saved = json.loads((tmp_path / "acme-signing-key.json").read_text())
    organization = Organization.objects.get(pk=saved["organization_id"])
    payload = '{"nonce":"demo"}'
    signature = sign_message(PrivateKey.from_hex(saved["private_key"]), payload)
    assert signed_request_verify(organization, payload, signature) is not None


def test_seed_demo_rotates_a_lost_secret(tmp_path, capsys):
    run_seed(tmp_path, capsys)
    (tmp_path / "api-clients.json").unlink()
    out = run_seed(tmp_path, capsys)
    client_id, client_secret = re.findall(r"client_id=(\S+) client_secret=(\S+)", out)[0]
    response = APIClient().post(
        "/api/v1/oauth2/token", {"client_id": client_id, "client_secret": client_secret}, format="json"
    )
    assert response.status_code == 200
    assert ApiClient.objects.count() == 3


def test_seed_demo_populates_the_network(tmp_path, capsys, client):
    run_seed(tmp_path, capsys)
    run_seed(tmp_path, capsys)  # idempotent: one of each still

    partner = Partner.objects.get(enterprise__name="Acme Exchange")
    assert partner.name == "Acme Prime"
    connection = Connection.objects.get(partner=partner)
    assert connection.client.enterprise.name == "Globex Trading"
    assert connection.partner == partner
    # signed with the key written for Globex, so demo scripts can sign more requests with it
    saved = json.loads((tmp_path / "globex-signing-key.json").read_text())
    assert connection.signing_key.compressed_public_key == saved["public_key"]

    # the pages show it: gary sees his connection, alice the incoming one
    client.login(username="gary", password="demo-pass-2026")
    assert "Globex at Acme Prime" in client.get("/network/connections").text
    client.login(username="alice", password="demo-pass-2026")
    page = client.get("/network/incoming").text
    assert "Globex Trading" in page and "Globex at Acme Prime" in page


def test_seed_demo_funds_globex_once(tmp_path, capsys):
    run_seed(tmp_path, capsys)
    globex = NetworkClient.objects.get(enterprise__name="Globex Trading")
    balances = {
        code: account_balance(AccountRef(globex.pk, AccountKind.AVAILABLE, Currency.objects.get(code=code)))
        for code in ("tbtc", "teth")
    }
    # 1 tbtc allocated to Acme Prime, 0.5 tbtc reserved by Vandelay Vault
    assert balances == {"tbtc": 85 * 10**7, "teth": 100 * 10**18}
    deposits = LedgerTransaction.objects.filter(kind="deposit")
    assert [(d.memo, d.created_by.username) for d in deposits] == [("Demo funding", "admin")] * 2
    count = LedgerTransaction.objects.count()

    run_seed(tmp_path, capsys)  # funded, allocated and settled already: nothing more
    assert LedgerTransaction.objects.count() == count

    # once Globex has spent its tbtc, a new run tops up only that currency
    network_withdraw(client=globex, currency=Currency.objects.get(code="tbtc"), amount=85 * 10**7, memo="spent")
    run_seed(tmp_path, capsys)
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 3
    assert ledger_differences() == []


def test_seed_demo_gives_acme_its_slug_and_partner_records(tmp_path, capsys):
    from invitations.models import Invitation
    from organization_partners.models import OrganizationPartner

    run_seed(tmp_path, capsys)
    run_seed(tmp_path, capsys)  # idempotent: nothing doubles

    acme = Organization.objects.get(name="Acme Exchange")
    globex = Organization.objects.get(name="Globex Trading")
    assert acme.slug == "acme"
    partners = OrganizationPartner.objects.filter(organization=acme)
    assert partners.count() == 5
    assert set(partners.values_list("partner_type", flat=True)) == {"customer", "supplier"}
    assert partners.exclude(code="").count() == 4
    assert len(set(partners.values_list("country_code", flat=True))) == 5
    assert sorted(partners.values_list("invitation_status", flat=True)) == ["", "", "accepted", "invited", "invited"]
    accepted = partners.get(invitation_status="accepted")
    assert accepted.guest_organization == globex
    assert OrganizationConnection.objects.filter(host=acme, guest=globex).exists()
    assert Invitation.objects.filter(organization=acme).count() == 3
    assert Invitation.objects.get(partner=accepted).accepted_organization == globex


def test_seed_demo_lets_globex_allocate_its_funds_to_acme_prime(tmp_path, capsys, client):
    run_seed(tmp_path, capsys)
    run_seed(tmp_path, capsys)
    connection = Connection.objects.get(partner__name="Acme Prime")

    # the partner supports the currencies Globex is funded in, so the allocate page offers them
    assert sorted(connection.partner.config.supported_currencies.values_list("code", flat=True)) == ["tbtc", "teth"]
    client.login(username="gary", password="demo-pass-2026")
    page = client.get(f"/network/connections/{connection.pk}/allocate").text
    assert '<option value="tbtc"' in page and '<option value="teth"' in page


def test_seed_demo_leaves_a_completed_settlement_and_a_disputed_pending_one(tmp_path, capsys):
    from settlements.models import Dispute, Settlement

    run_seed(tmp_path, capsys)
    run_seed(tmp_path, capsys)

    settlements = {s.external_id: s for s in Settlement.objects.all()}
    assert {key: (s.version, s.status) for key, s in settlements.items()} == {
        "demo-settlement-day-1": (1, "completed"),
        "demo-settlement-day-2": (2, "pending"),
    }
    dispute = Dispute.objects.get()
    assert dispute.settlement == settlements["demo-settlement-day-2"] and dispute.closure is None
    connection = dispute.connection
    held = account_balance(
        AccountRef(connection.network_account_id, AccountKind.HELD, Currency.objects.get(code="tbtc"))
    )
    assert held == 10**8 - 10**7  # 1 tbtc allocated, 0.1 lost on day 1
    assert ledger_differences() == []


def _signed_request(create, organization, connection, key_file, *, currency: str, quantity: int, external_id: str):
    from allocations.payloads import AllocationFields
    from organizations.signing import new_nonce, signing_payload

    fields = AllocationFields(
        connection_id=connection.pk,
        currency=currency,
        quantity=quantity,
        client_external_id=external_id,
        nonce=new_nonce(),
        notes="",
    )
    payload = signing_payload(fields.signed())
    private_key = PrivateKey.from_hex(json.loads(key_file.read_text())["private_key"])
    return create(
        enterprise=organization,
        fields=fields,
        payload=payload,
        signature=sign_message(private_key, payload),
        initiated_by="test",
    )


def test_seed_demo_lets_globex_allocate_and_deallocate_at_once_with_its_demo_key(tmp_path, capsys):
    from allocations.services.allocations import allocation_create, deallocation_create

    run_seed(tmp_path, capsys)
    connection = Connection.objects.get(partner__name="Acme Prime")
    globex = connection.client.enterprise
    key_file = tmp_path / "globex-signing-key.json"

    # every funded currency is supported: nothing is released as CurrencyNotSupported
    for currency, quantity in (("tbtc", 25 * 10**6), ("teth", 10**18)):
        allocation = _signed_request(
            allocation_create, globex, connection, key_file, currency=currency, quantity=quantity, external_id=currency
        )
        assert (allocation.status, allocation.reason_code) == ("cleared", "")
    deallocation = _signed_request(
        deallocation_create, globex, connection, key_file, currency="tbtc", quantity=10**7, external_id="back"
    )
    assert deallocation.status == "cleared"
    assert ledger_differences() == []


def test_seed_demo_has_an_asynchronous_partner_with_a_reserved_allocation(tmp_path, capsys, client):
    from allocations.models import Allocation

    run_seed(tmp_path, capsys)
    run_seed(tmp_path, capsys)  # still one reserved allocation

    partner = Partner.objects.select_related("config").get(name="Vandelay Vault")
    assert partner.config.async_allocations_enabled
    assert sorted(partner.config.supported_currencies.values_list("code", flat=True)) == ["tbtc", "teth"]
    reserved = Allocation.objects.get(partner=partner)
    assert (reserved.status, reserved.currency.code, int(reserved.quantity)) == ("reserved", "tbtc", 5 * 10**7)
    assert reserved.connection.client.enterprise.name == "Globex Trading"
    held = account_balance(AccountRef(reserved.connection.network_account_id, AccountKind.RESERVED, reserved.currency))
    assert held == 5 * 10**7

    # vera, Vandelay's owner, sees it waiting on her Incoming allocations page
    client.login(username="vera", password="demo-pass-2026")
    page = client.get("/network/incoming/allocations").text
    assert "Globex treasury" in page and "Reserved" in page


def test_seed_demo_api_clients_name_their_creator(tmp_path, capsys, client):
    run_seed(tmp_path, capsys)
    # a client made by an earlier version of the command, with no creator, gets its owner on the next run
    ApiClient.objects.update(created_by=None)
    run_seed(tmp_path, capsys)

    owners = {"Acme Exchange": "alice", "Globex Trading": "gary", "Vandelay Custody": "vera"}
    assert {c.organization.name: c.created_by.username for c in ApiClient.objects.all()} == owners
    client.login(username="gary", password="demo-pass-2026")
    page = client.get("/organizations/api-clients").text
    assert "Demo client" in page and "A deleted user" not in page


def test_seed_demo_home_pages_show_each_organization_its_figures_and_next_step(tmp_path, capsys, client):
    run_seed(tmp_path, capsys)

    client.login(username="gary", password="demo-pass-2026")
    page = client.get("/").text
    # 10 tbtc funded: 1 allocated to Acme Prime (0.1 lost on day 1), 0.5 reserved at Vandelay Vault
    for amount in ("8.5 tbtc", "0.9 tbtc", "0.5 tbtc", "100 teth"):
        assert f'<td class="num nowrap">{amount}</td>' in page

    # the day-2 settlement is pending and Globex disputes it
    assert re.search(r"Pending settlements on your connections</a></td>\s*<td class=\"num\"><strong>1<", page)
    assert re.search(r"Disputes you raised, still open</a></td>\s*<td class=\"num\"><strong>1<", page)

    client.login(username="vera", password="demo-pass-2026")
    page = client.get("/").text
    assert "1 allocation waits for your answer as a partner" in page
    assert 'href="/network/incoming/allocations"' in page

    client.login(username="alice", password="demo-pass-2026")
    page = client.get("/").text
    assert "2 partner records have an email but no invitation yet" in page
    assert '<td class="num nowrap">0.1 tbtc</td>' in page  # Acme Prime's gain on day 1, as a partner
    assert "1 dispute of your settlements is open" in page


def test_seed_demo_api_client_allocates_through_the_network_api(tmp_path, capsys):
    """What a demo script does with the printed credentials and the written key: a token, then a signed allocation
    (it used to be released with CurrencyNotSupported)."""
    import uuid

    run_seed(tmp_path, capsys)
    saved = json.loads((tmp_path / "api-clients.json").read_text())["globex"]
    key = PrivateKey.from_hex(json.loads((tmp_path / "globex-signing-key.json").read_text())["private_key"])
    connection = Connection.objects.get(partner__name="Acme Prime")
    api = APIClient()
    token = api.post(
        "/api/v1/oauth2/token",
        {"client_id": saved["client_id"], "client_secret": saved["client_secret"]},
        format="json",
    ).json()["access_token"]
    fields = {
        "connectionId": str(connection.pk),
        "amount": {"currency": "tbtc", "quantity": "25000000"},
        "clientExternalId": str(uuid.uuid4()),
        "nonce": uuid.uuid4().hex,
    }
    payload = json.dumps(fields, separators=(",", ":"))
    body = {**{k: v for k, v in fields.items() if k != "connectionId"}, "payload": payload}

    response = api.post(
        f"/api/network/v1/enterprises/{saved['organization_id']}/clients/connections/{connection.pk}/allocations",
        {**body, "signature": sign_message(key, payload)},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200, response.content
    assert response.json()["allocation"]["status"] == "cleared"
