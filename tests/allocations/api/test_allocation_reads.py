"""Reading allocations: client side and partner side lists (every filter, every sort, ties by createdAt then id,
pages), details, another enterprise's ids answering 404, and list query counts that do not grow with the rows."""

import datetime
import uuid

import pytest
from django.utils import timezone

from allocations.models import Allocation
from tests.allocations.conftest import signed_request
from tests.contracts import assert_matches_reference
from tests.factories.partners import ConnectionFactory, CurrencyFactory, PartnerFactory
from tests.partners.conftest import network_error, url
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def make(connection, currency, quantity, *, type_="allocation", status="cleared", minutes=0, updated=None):
    """A stored allocation (the create path is tested elsewhere): times are set explicitly."""
    allocation = Allocation.objects.create(
        type=type_,
        connection=connection,
        client=connection.client,
        partner=connection.partner,
        currency=currency,
        quantity=quantity,
        status=status,
        reason="" if status == "cleared" else "why",
        client_external_id=str(uuid.uuid4()),
        initiated_by="api client test",
        nonce=uuid.uuid4().hex,
        payload="{}",
        signature="00",
        request_hash="0" * 64,
        posting=None if status == "released" else _posting(),
        created_at=T0 + datetime.timedelta(minutes=minutes),
    )
    Allocation.objects.filter(pk=allocation.pk).update(updated_at=updated or allocation.created_at)
    return allocation


def _posting():
    from allocations.models import LedgerTransaction

    return LedgerTransaction.objects.create(kind="allocation")


def ids(response, key="allocations"):
    assert response.status_code == 200, response.content
    assert_matches_reference(response)
    return [item["id"] for item in response.json()[key]]


@pytest.fixture
def rows(connection, tbtc, partner):
    teth = CurrencyFactory(code="teth")
    other = ConnectionFactory(client=connection.client, partner=PartnerFactory())
    return {
        "a": make(connection, tbtc, 300, minutes=0, updated=T0 + datetime.timedelta(hours=5)),
        "b": make(connection, teth, 20, type_="deallocation", minutes=1),
        "c": make(other, tbtc, 1_000, status="released", minutes=2, updated=T0 + datetime.timedelta(hours=1)),
        "d": make(connection, tbtc, 20, status="reserved", minutes=1),  # same createdAt as b: tie by id
    }


def listed(api, enterprise, auth, query="", side="clients"):
    return ids(api.get(url(enterprise, f"{side}/allocations") + query, **auth))


def test_the_client_list_and_its_filters(api, enterprise, auth, rows, connection):
    r = {k: str(v.pk) for k, v in rows.items()}
    tie = sorted([r["b"], r["d"]])
    assert listed(api, enterprise, auth) == [r["a"], *tie, r["c"]]
    assert listed(api, enterprise, auth, f"?allocationIds={r['a']},{r['c']}") == [r["a"], r["c"]]
    assert listed(api, enterprise, auth, "?types=deallocation") == [r["b"]]
    assert listed(api, enterprise, auth, "?statuses=released&statuses=reserved") == [r["d"], r["c"]]
    assert listed(api, enterprise, auth, "?currencies=teth") == [r["b"]]
    assert listed(api, enterprise, auth, f"?connectionIds={connection.pk}") == [r["a"], *tie]
    assert listed(api, enterprise, auth, f"?partnerIds={rows['c'].partner_id}") == [r["c"]]
    after = (T0 + datetime.timedelta(minutes=1)).isoformat()
    assert listed(api, enterprise, auth, f"?createdOnOrAfter={after.replace('+', '%2B')}") == [*tie, r["c"]]
    assert listed(api, enterprise, auth, f"?createdBefore={after.replace('+', '%2B')}") == [r["a"]]


def test_the_client_list_sorts(api, enterprise, auth, rows):
    r = {k: str(v.pk) for k, v in rows.items()}
    tie = sorted([r["b"], r["d"]])
    assert listed(api, enterprise, auth, "?sortField=id") == sorted(r.values())
    assert listed(api, enterprise, auth, "?sortField=id&sortDirection=DESC") == sorted(r.values(), reverse=True)
    # quantity: 20 (b, d: tie by createdAt then id), 300, 1000 — numeric, not lexical ("1000" < "20" as text)
    assert listed(api, enterprise, auth, "?sortField=quantity") == [*tie, r["a"], r["c"]]
    assert listed(api, enterprise, auth, "?sortField=quantity&sortDirection=DESC") == [r["c"], r["a"], *tie[::-1]]
    assert listed(api, enterprise, auth, "?sortField=updatedAt") == [*tie, r["c"], r["a"]]
    # tbtc before teth; within tbtc by createdAt: a (0), d (1), c (2)
    assert listed(api, enterprise, auth, "?sortField=currency") == [r["a"], r["d"], r["c"], r["b"]]


def test_pages(api, enterprise, auth, rows):
    everything = listed(api, enterprise, auth)
    assert listed(api, enterprise, auth, "?pageSize=3") == everything[:3]
    assert listed(api, enterprise, auth, "?pageSize=3&pageNumber=1") == everything[3:]


@pytest.mark.parametrize(
    "query",
    [
        "?types=gift",
        "?statuses=done",
        "?sortField=name",
        "?sortDirection=UP",
        "?createdBefore=yesterday",
        "?allocationIds=nope",
        "?pageSize=0",
        "?sortField=",
        "?createdBefore=",
    ],
)
def test_bad_filters_are_400(api, enterprise, auth, query):
    response = api.get(url(enterprise, "clients/allocations") + query, **auth)
    assert network_error(response, 400) == "InvalidRequestError"
    assert_matches_reference(response)


def test_the_client_detail_and_another_enterprises_404(api, enterprise, auth, rows, partner, partner_auth):
    response = api.get(url(enterprise, f"clients/allocations/{rows['a'].pk}"), **auth)
    assert response.status_code == 200
    assert_matches_reference(response)
    allocation = response.json()["allocation"]
    assert allocation["type"] == "allocation" and allocation["reason"] is None
    assert allocation["amount"] == {"currency": "tbtc", "quantity": "300"}
    # The partner's enterprise is not the client: its client-side read does not find it.
    response = api.get(url(partner.enterprise, f"clients/allocations/{rows['a'].pk}"), **partner_auth)
    assert network_error(response, 404) == "AllocationNotFound"
    assert_matches_reference(response)
    assert network_error(api.get(url(enterprise, f"clients/allocations/{uuid.uuid4()}"), **auth), 404)


def test_the_partner_list_its_filters_and_detail(api, partner, partner_auth, rows, enterprise, auth):
    r = {k: str(v.pk) for k, v in rows.items()}
    tie = sorted([r["b"], r["d"]])
    assert listed(api, partner.enterprise, partner_auth, side="partners") == [r["a"], *tie]  # not c: another partner
    client_id = rows["a"].client_id
    assert listed(api, partner.enterprise, partner_auth, f"?clientIds={client_id}", "partners") == [r["a"], *tie]
    assert listed(api, partner.enterprise, partner_auth, f"?clientIds={uuid.uuid4()}", "partners") == []
    assert listed(api, partner.enterprise, partner_auth, "?statuses=reserved", "partners") == [r["d"]]
    assert listed(api, partner.enterprise, partner_auth, "?sortField=quantity&sortDirection=DESC", "partners") == [
        r["a"],
        *tie[::-1],
    ]
    response = api.get(url(partner.enterprise, f"partners/allocations/{r['b']}"), **partner_auth)
    assert response.status_code == 200
    assert_matches_reference(response)
    assert response.json()["allocation"]["type"] == "deallocation"
    # The client is not the partner: the partner-side read does not find it.
    assert network_error(api.get(url(enterprise, f"partners/allocations/{r['b']}"), **auth), 404)
    # sortField=currency is the client side's only
    response = api.get(url(partner.enterprise, "partners/allocations?sortField=currency"), **partner_auth)
    assert network_error(response, 400)


@pytest.mark.parametrize("side", ["clients", "partners"])
def test_list_query_counts_do_not_grow(api, enterprise, auth, partner, partner_auth, connection, tbtc, side):
    owner, token = (enterprise, auth) if side == "clients" else (partner.enterprise, partner_auth)
    make(connection, tbtc, 1)
    assert_constant_queries(
        lambda: api.get(url(owner, f"{side}/allocations?pageSize=500"), **token),
        lambda n: [make(connection, tbtc, i + 2, minutes=i) for i in range(n)],
        lambda response: len(response.json()["allocations"]),
    )


def test_an_allocation_made_through_the_api_lists_with_its_request(api, enterprise, auth, connection, signing_key):
    from tests.allocations.conftest import fund

    fund(connection.client, connection.partner.config.supported_currencies.get(), 10)
    body = signed_request(connection, signing_key, quantity="10", notes="n")
    api.post(url(enterprise, f"clients/connections/{connection.pk}/allocations"), body, format="json", **auth)
    item = api.get(url(enterprise, "clients/allocations"), **auth).json()["allocations"][0]
    assert item["clientExternalId"] == body["clientExternalId"] and item["notes"] == "n"
    assert timezone.now() - datetime.datetime.fromisoformat(item["createdAt"]) < datetime.timedelta(minutes=1)
