"""The allocation pages of the Network section: balances dashboard, history, detail, allocate/deallocate forms."""

import html
import json
import re
import uuid

import pytest

from allocations.models import AccountKind, AccountRef, Allocation, AllocationStatus, AllocationType
from allocations.selectors.balances import Balance, client_balances
from allocations.services.funding import network_deposit
from allocations.services.ledger import ledger_post, transfer
from organizations.models import Role
from organizations.services import custodial_key_enable
from organizations.signing import sign_message
from tests.factories.organizations import (
    DEFAULT_PASSWORD,
    LicenseFactory,
    OrganizationFactory,
    SigningKeyFactory,
    UserFactory,
)
from tests.factories.partners import ConnectionFactory, CurrencyFactory, NetworkClientFactory
from tests.partners.pages.conftest import sign_in
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

BALANCES = "/network/balances"
ALLOCATIONS = "/network/allocations"


@pytest.fixture
def btc(db):
    currency = CurrencyFactory(code="btc")  # the seeded btc (8 decimals), given 2 here: 1000 base units = 10 btc
    currency.decimals = 2
    currency.save(update_fields=["decimals"])
    return currency


@pytest.fixture
def connection(enterprise, btc):
    client = NetworkClientFactory(enterprise=enterprise)
    connection = ConnectionFactory(client=client, name="Main at Bravo", partner__name="Bravo")
    connection.partner.config.supported_currencies.add(btc)
    network_deposit(client=client, currency=btc, amount=1000, memo="Test funds")
    return connection


@pytest.fixture
def owner(client, enterprise):
    membership = sign_in(client, enterprise)
    custodial_key_enable(
        organization=enterprise, user=membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    return client


def rows(page: str, testid: str) -> list[str]:
    table = re.search(rf'<table data-testid="{testid}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [row for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if 'class="empty"' not in row]


def amounts(row: str) -> list[str]:
    """The amount cells of a table row, as shown."""
    return re.findall(r'<td class="num mono nowrap">([^<]+)</td>', row)


def request_allocation(
    client, connection, kind="allocate", quantity="300", currency="btc", password=DEFAULT_PASSWORD, unit="base"
):
    """Steps 1 and 2 of the form (the quantity in base units unless `unit` is "whole"); returns (step 2 response,
    final response)."""
    url = f"/network/connections/{connection.pk}/{kind}"
    first = client.get(url)
    fields = dict(re.findall(r'<input type="hidden" name="(client_external_id|nonce)" value="([^"]+)"', first.text))
    data = {**fields, "currency": currency, "quantity": quantity, "unit": unit, "notes": "", "step": "payload"}
    step2 = client.post(url, data)
    final = client.post(
        url, {**data, "step": "sign", "sign-method": "custodial", "sign-signature": "", "sign-password": password}
    )
    return step2, final


def test_allocate_then_deallocate_through_the_pages(owner, connection):
    step2, response = request_allocation(owner, connection)
    assert step2.status_code == 200
    payload = re.search(r'<pre class="key" data-testid="payload">(.*?)</pre>', step2.text, re.S).group(1)
    assert f"&quot;connectionId&quot;:&quot;{connection.pk}&quot;" in payload
    assert "&quot;quantity&quot;:&quot;300&quot;" in payload
    allocation = Allocation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/network/allocations/{allocation.pk}"
    assert (allocation.type, allocation.status, int(allocation.quantity)) == ("allocation", "cleared", 300)
    assert "Allocation cleared." in owner.get(response["Location"]).text

    balances = owner.get(BALANCES).text
    assert [amounts(row) for row in rows(balances, "balances")] == [["7 btc", "3 btc"]]
    assert 'class="bar-chart__available"' in balances and "style=" not in balances

    _, response = request_allocation(owner, connection, kind="deallocate", quantity="100")
    assert response.status_code == 302
    assert Allocation.objects.filter(type=AllocationType.DEALLOCATION, status=AllocationStatus.CLEARED).count() == 1
    balances = owner.get(BALANCES).text
    assert [amounts(row) for row in rows(balances, "balances")] == [["8 btc", "2 btc"]]


def test_a_refused_allocation_shows_its_reason(owner, connection):
    connection.active = False  # the page does not check it: the server refuses (ConnectionInactive)
    connection.save()
    _, response = request_allocation(owner, connection, quantity="500")

    allocation = Allocation.objects.get()
    assert (allocation.status, allocation.reason_code) == (AllocationStatus.RELEASED, "ConnectionInactive")
    page = owner.get(response["Location"]).text
    assert 'data-testid="refused"' in page and "Refused: nothing moved." in page
    assert re.search(r'class="alert alert--error" data-testid="reason">', page)
    assert "Released by the partner" not in page


def test_inline_errors_keep_the_request_unsent(owner, connection):
    step2, _ = request_allocation(owner, connection, quantity="012")
    assert step2.status_code == 200
    assert "Give a whole number of base units" in step2.text
    step2, _ = request_allocation(owner, connection, quantity="0.255", unit="whole")
    assert "This currency has 2 decimal places at most." in step2.text

    step2, final = request_allocation(owner, connection, password="wrong password")
    assert final.status_code == 200
    assert 'data-testid="payload"' in final.text  # still step 2, with the error next to the password
    assert "field-error" in final.text
    assert not Allocation.objects.exists()


def test_a_currency_the_partner_does_not_support_is_not_offered(owner, connection):
    CurrencyFactory(code="eth")
    step2, _ = request_allocation(owner, connection, currency="eth")
    assert "Select a valid choice" in step2.text
    assert not Allocation.objects.exists()


def test_viewers_may_look_but_not_allocate(client, enterprise, connection):
    sign_in(client, enterprise, Role.VIEWER)
    assert client.get(BALANCES).status_code == 200
    assert client.get(ALLOCATIONS).status_code == 200
    assert client.get(f"/network/connections/{connection.pk}/allocate").status_code == 403
    assert client.post(f"/network/connections/{connection.pk}/deallocate", {}).status_code == 403


def test_other_organizations_ids_answer_404(owner, connection):
    other = ConnectionFactory(client=NetworkClientFactory(enterprise=OrganizationFactory()))
    assert owner.get(f"/network/connections/{other.pk}/allocate").status_code == 404
    assert owner.get(f"/network/allocations/{uuid.uuid4()}").status_code == 404
    request_allocation(owner, connection)
    allocation = Allocation.objects.get()
    other_enterprise = OrganizationFactory()
    LicenseFactory(organization=other_enterprise)
    sign_in(owner, other_enterprise)
    assert owner.get(f"/network/allocations/{allocation.pk}").status_code == 404
    assert str(allocation.pk) not in owner.get(ALLOCATIONS).text


def test_the_history_filters_and_pages(owner, enterprise, connection, btc):
    for n in range(3):
        request_allocation(owner, connection, quantity=str(10 + n))
    request_allocation(owner, connection, kind="deallocate", quantity="5")
    connection.active = False
    connection.save()
    request_allocation(owner, connection, quantity="7")  # refused by the server: released
    connection.active = True
    connection.save()

    def count(query=""):
        response = owner.get(f"{ALLOCATIONS}{query}")
        assert response.status_code == 200
        return len(rows(response.text, "allocations"))

    assert count() == 5
    assert count("?type=deallocation") == 1
    assert count("?status=released") == 1
    assert count("?currency=BTC") == 5
    assert count("?currency=eth") == 0
    assert count(f"?connection={connection.pk}&type=allocation&status=cleared") == 3
    assert count(f"?connection={uuid.uuid4()}") == 0


def test_the_lists_cost_constant_queries(owner, enterprise, connection, btc):
    def add(n):
        for index in range(n):
            allocation = Allocation.objects.create(
                type=AllocationType.DEALLOCATION,
                connection=connection,
                client=connection.client,
                partner=connection.partner,
                currency=btc,
                quantity=1,
                status=AllocationStatus.RELEASED,
                client_external_id=f"x-{uuid.uuid4()}",
                initiated_by="test",
                nonce=f"n{index}",
                payload="{}",
                signature="00",
                request_hash="0" * 64,
            )
            other = ConnectionFactory(client=connection.client, partner=connection.partner)
            Allocation.objects.filter(pk=allocation.pk).update(connection=other)

    add(1)  # an empty page skips the list's query
    assert_constant_queries(lambda: owner.get(ALLOCATIONS), add, lambda r: len(rows(r.text, "allocations")), rows=20)


def test_the_dashboard_costs_constant_queries(owner, enterprise, connection, btc):
    def add(n):
        for _ in range(n):
            request_allocation(
                owner, ConnectionFactory(client=connection.client, partner=connection.partner), quantity="1"
            )

    def count(response):
        return len(rows(response.text, "connection-balances"))

    add(1)
    assert_constant_queries(lambda: owner.get(BALANCES), add, count, rows=3)


def test_the_dashboard_pages_through_many_connections(owner, enterprise, connection, btc):
    """Every connection is reachable: 30 connections with funds on them show as 25 on page 1 and 5 on page 2."""
    for n in range(29):
        other = ConnectionFactory(client=connection.client, partner=connection.partner, name=f"Extra {n:02}")
        ledger_post(
            kind="allocation",
            lines=transfer(
                source=AccountRef(connection.client_id, AccountKind.AVAILABLE, btc),
                destination=AccountRef(other.network_account_id, AccountKind.HELD, btc),
                amount=1,
            ),
        )
    request_allocation(owner, connection, quantity="5")
    first, second = owner.get(BALANCES).text, owner.get(BALANCES, {"page": 2}).text
    assert len(rows(first, "connection-balances")) == 25 and len(rows(second, "connection-balances")) == 5
    assert "Page 1 of 2" in first and 'rel="next"' in first and "Page 2 of 2" in second
    names = re.findall(r'<a href="/network/connections/[^"]+">([^<]+)</a>', first + second)
    assert sorted(names) == sorted(["Main at Bravo", *(f"Extra {n:02}" for n in range(29))])
    # the totals count every connection, not only the page's
    assert [amounts(row) for row in rows(second, "balances")] == [["9.66 btc", "0.34 btc"]]


def test_staff_see_allocations_read_only_in_the_admin(client, owner, connection):
    request_allocation(owner, connection)
    allocation = Allocation.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/allocations/allocation/?status__exact=cleared&q=Acme")
    assert listing.status_code == 200
    assert str(allocation.pk) in listing.text
    assert str(allocation.pk) not in client.get("/admin/allocations/allocation/?status__exact=released").text
    detail = client.get(f"/admin/allocations/allocation/{allocation.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.text
    assert client.get("/admin/allocations/allocation/add/").status_code == 403
    assert client.post(f"/admin/allocations/allocation/{allocation.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Allocation.objects.filter(pk=allocation.pk).exists()


# --- the partner side ----------------------------------------------------------------------------------------------


@pytest.fixture
def reserved(owner, connection):
    """Two allocations of 300 reserved with an asynchronous partner, and the client's Django test client."""
    config = connection.partner.config
    config.async_allocations_enabled = True
    config.save()
    request_allocation(owner, connection, quantity="300")
    request_allocation(owner, connection, quantity="200")
    assert set(Allocation.objects.values_list("status", flat=True)) == {AllocationStatus.RESERVED}
    return connection


def partner_owner(client, connection):
    enterprise = connection.partner.enterprise
    LicenseFactory(organization=enterprise)
    membership = sign_in(client, enterprise)
    custodial_key_enable(
        organization=enterprise, user=membership.user, actor_role=Role.OWNER, password=DEFAULT_PASSWORD
    )
    return client


def decide(client, allocation, status, reason="", password=DEFAULT_PASSWORD):
    url = f"/network/incoming/allocations/{allocation.pk}"
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get(url).text).group(1)
    data = {"status": status, "reject_reason": reason, "partners_allocation_id": "p-1", "nonce": nonce}
    step2 = client.post(url, {**data, "step": "payload"})
    return step2, client.post(
        url, {**data, "step": "sign", "sign-method": "custodial", "sign-password": password, "sign-signature": ""}
    )


def test_the_partner_confirms_and_refuses_reserved_allocations(client, reserved):
    partner = partner_owner(client, reserved)
    listing = partner.get("/network/incoming/allocations?status=reserved")
    assert len(rows(listing.text, "incoming-allocations")) == 2
    assert listing.text.count("Confirm or refuse</a>") == 2
    first, second = Allocation.objects.order_by("created_at")

    step2, response = decide(partner, first, "cleared")
    assert '"allocationId":"' in step2.text.replace("&quot;", '"')
    assert response.status_code == 302
    step2, response = decide(partner, second, "released", reason="Over our limit")
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.reason) == ("cleared", "released", "Over our limit")
    assert "Over our limit" in partner.get(f"/network/incoming/allocations/{second.pk}").text

    # 300 cleared to the connection, 200 released back: the client has 700 available and 300 allocated.
    assert client_balances(enterprise=reserved.client.enterprise).balances["btc"] == Balance(available=700, held=300)


def test_a_refusal_needs_a_reason_and_nothing_moves(client, reserved):
    partner = partner_owner(client, reserved)
    allocation = Allocation.objects.order_by("created_at").first()
    step2, _ = decide(partner, allocation, "released", reason="  ")
    assert "Say why you refuse it." in step2.text
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.RESERVED


def test_clients_cannot_decide_and_other_partners_get_404(owner, reserved):
    allocation = Allocation.objects.first()
    assert owner.get(f"/network/incoming/allocations/{allocation.pk}").status_code == 404
    assert str(allocation.pk) not in owner.get("/network/incoming/allocations").text


def test_the_incoming_list_costs_constant_queries(client, reserved, btc):
    def add(n):
        for _ in range(n):
            other = ConnectionFactory(partner=reserved.partner)  # another client each time
            Allocation.objects.create(
                type=AllocationType.ALLOCATION,
                connection=other,
                client=other.client,
                partner=other.partner,
                currency=btc,
                quantity=1,
                status=AllocationStatus.RELEASED,
                client_external_id=str(uuid.uuid4()),
                initiated_by="test",
                nonce=uuid.uuid4().hex,
                payload="{}",
                signature="00",
                request_hash="0" * 64,
            )

    partner = partner_owner(client, reserved)
    assert_constant_queries(
        lambda: partner.get("/network/incoming/allocations"),
        add,
        lambda r: len(rows(r.text, "incoming-allocations")),
        rows=10,
    )


def test_allocate_with_a_pasted_signature(client, enterprise, connection):
    sign_in(client, enterprise)  # no custodial key: only a pasted signature is offered
    key = SigningKeyFactory(organization=enterprise)
    url = f"/network/connections/{connection.pk}/allocate"
    hidden = dict(re.findall(r'name="(client_external_id|nonce)" value="([^"]+)"', client.get(url).text))
    data = {**hidden, "currency": "btc", "quantity": "2.5", "unit": "whole", "notes": "Q3 collateral"}
    step2 = client.post(url, {**data, "step": "payload"})
    payload = html.unescape(re.search(r'data-testid="payload">(.*?)</pre>', step2.text, re.S).group(1))
    assert json.loads(payload)["notes"] == "Q3 collateral"

    wrong = sign_message(SigningKeyFactory().private_key, payload)  # another organization's key
    response = client.post(url, {**data, "step": "sign", "sign-method": "paste", "sign-signature": wrong})
    assert response.status_code == 200 and "field-error" in response.text
    assert not Allocation.objects.exists()

    signature = sign_message(key.private_key, payload)
    response = client.post(url, {**data, "step": "sign", "sign-method": "paste", "sign-signature": signature})
    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert (allocation.status, allocation.payload, allocation.notes) == ("cleared", payload, "Q3 collateral")
