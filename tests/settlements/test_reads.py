"""Settlement reads on both sides: every filter narrows, pages page, the reference SDK's GET-with-a-JSON-body works,
other tenants' ids answer 404, and list query counts do not grow with the rows."""

import json
import uuid

import pytest

from settlements.models import Dispute
from settlements.payloads import DisputeFields
from settlements.services.disputes import dispute_create
from tests.factories.partners import ConnectionFactory
from tests.queries import assert_constant_queries
from tests.sdk import sdk_get
from tests.settlements.conftest import allocate, cutoff, fund_partner, settlement_body, sign, v1, v2

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(api, partner, partner_auth, partner_key, connection, second_connection, tbtc, teth):
    """Two v1 settlements: s-1 (Acme -10 tbtc, Globex +5 teth) and s-2 (Acme -20 tbtc)."""
    allocate(connection, tbtc, 1_000)
    fund_partner(partner, teth, 1_000)
    url = v1(partner.enterprise, "partners/settlements")
    ids = []
    for external_id, amounts in (
        ("s-1", {str(connection.pk): {"tbtc": "-10"}, str(second_connection.pk): {"teth": "5"}}),
        ("s-2", {str(connection.pk): {"tbtc": "-20"}}),
    ):
        response = api.post(
            url, settlement_body(amounts, partner_key, external_id=external_id), format="json", **partner_auth
        )
        assert response.status_code == 200, response.json()
        ids.append(response.json()["settlement"]["id"])
    return ids


def test_the_sdks_three_reads_return_what_was_stored(api, enterprise, auth, settled):
    s1, s2 = settled
    listed = sdk_get(api, v1(enterprise, "clients/settlements"), None, auth, enterprise)
    filtered = sdk_get(
        api, v1(enterprise, "clients/settlements"), {"settlementIds": [s2], "pageSize": 10}, auth, enterprise
    )
    by_id = sdk_get(api, v1(enterprise, f"clients/settlements/{s1}"), {}, auth, enterprise)
    transfers = sdk_get(
        api, v1(enterprise, "clients/settlementTransfers"), {"settlementIds": [s1], "pageNumber": 0}, auth, enterprise
    )
    statuses = sdk_get(
        api, v1(enterprise, "clients/settlementTransfers"), {"settlementStatuses": ["pending"]}, auth, enterprise
    )

    assert [s["id"] for s in listed.json()["settlements"]] == [s1, s2]
    assert [s["id"] for s in filtered.json()["settlements"]] == [s2]
    assert by_id.json()["settlement"]["externalId"] == "s-1"
    assert [t["quantity"] for t in by_id.json()["settlementTransfers"]] == ["-10"]
    assert [(t["settlementId"], t["quantity"]) for t in transfers.json()["settlementTransfers"]] == [(s1, "-10")]
    assert statuses.json()["settlementTransfers"] == []


def test_query_string_wins_over_the_body(api, enterprise, auth, settled):
    s1, s2 = settled
    url = v1(enterprise, "clients/settlements") + f"?settlementIds={s1}"
    response = api.generic("GET", url, json.dumps({"settlementIds": [s2]}), content_type="application/json", **auth)
    assert [s["id"] for s in response.json()["settlements"]] == [s1]


@pytest.mark.parametrize("body", ["[1]", '"x"', "1", '{"settlementIds": {"a": 1}}', "{bad json"])
def test_a_get_body_that_is_not_an_object_of_parameters_is_refused(api, enterprise, auth, body):
    response = api.generic("GET", v1(enterprise, "clients/settlements"), body, content_type="application/json", **auth)
    assert response.status_code == 400, response.content
    assert response.json()["name"] == "InvalidRequestError"


def test_every_partner_filter_narrows(api, partner, partner_auth, settled, connection, second_connection):
    s1, s2 = settled
    url = v1(partner.enterprise, "partners/settlements")

    def ids(**params):
        response = api.get(url, params, **partner_auth)
        assert response.status_code == 200, response.json()
        return [s["id"] for s in response.json()["settlements"]]

    assert ids() == [s1, s2]
    assert ids(settlementIds=s2) == [s2]
    assert ids(externalIds="s-1") == [s1]
    assert ids(partyConnectionIds=str(second_connection.pk)) == [s1]
    assert ids(counterpartyConnectionIds=str(connection.pk)) == []
    assert ids(partnerIds=str(uuid.uuid4())) == []
    assert ids(onlyShowDisputed="true") == []
    assert ids(createdBefore="2000-01-01T00:00:00Z") == []
    assert ids(updatedOnOrAfter="2000-01-01T00:00:00Z") == [s1, s2]
    assert ids(pageSize=1, pageNumber=1) == [s2]
    detail = api.get(v1(partner.enterprise, f"partners/settlements/{s1}"), {"currencies": "teth"}, **partner_auth)
    assert [t["currency"] for t in detail.json()["settlementTransfers"]] == ["teth"]
    wallet = str(second_connection.client.wallet_id)
    detail = api.get(
        v1(partner.enterprise, f"partners/settlements/{s1}"), {"destinationTradingAccountIds": wallet}, **partner_auth
    )
    assert [t["destinationTradingAccountId"] for t in detail.json()["settlementTransfers"]] == [wallet]


def test_client_transfer_filters_and_sort(api, enterprise, auth, settled):
    url = v1(enterprise, "clients/settlementTransfers")

    def quantities(**params):
        response = api.get(url, params, **auth)
        assert response.status_code == 200, response.json()
        return [t["quantity"] for t in response.json()["settlementTransfers"]]

    assert quantities() == ["-10", "-20"]
    assert quantities(sortField="updatedAt", sortDirection="DESC") == ["-20", "-10"]
    assert quantities(currencies="teth") == []
    assert quantities(settlementStatuses="completed", settlementTransferStatuses="completed") == ["-10", "-20"]
    assert quantities(settlementUpdatedBefore="2000-01-01T00:00:00Z") == []
    assert quantities(initiatedBy="nobody") == []
    assert quantities(statuses="x") == ["-10", "-20"]  # not a parameter of this operation: ignored


def test_another_tenants_settlement_answers_404(api, settled, second_auth, second_client, partner, auth, enterprise):
    s1, s2 = settled
    assert api.get(v1(second_client.enterprise, f"clients/settlements/{s2}"), **second_auth).status_code == 404
    assert api.get(v1(enterprise, f"partners/settlements/{s1}"), **auth).status_code == 404
    assert api.get(v1(partner.enterprise, f"partners/settlements/{s1}"), **auth).status_code == 401


def test_list_query_counts_do_not_grow(api, partner, partner_auth, partner_key, enterprise, auth, connection, tbtc):
    allocate(connection, tbtc, 10**6)
    settle_url = v1(partner.enterprise, "partners/settlements")

    def add(n):
        for _ in range(n):
            body = settlement_body({str(connection.pk): {"tbtc": "-1"}}, partner_key)
            assert api.post(settle_url, body, format="json", **partner_auth).status_code == 200

    add(1)
    for url, key, caller in (
        (settle_url, "settlements", partner_auth),
        (v1(enterprise, "clients/settlements"), "settlements", auth),
        (v1(enterprise, "clients/settlementTransfers"), "settlementTransfers", auth),
    ):
        assert_constant_queries(
            lambda url=url, caller=caller: api.get(url, {"pageSize": 500}, **caller),
            add,
            lambda response, key=key: len(response.json()[key]),
            rows=12,
        )


def test_detail_and_dispute_query_counts_do_not_grow(
    api, disputes_partner, partner_auth, partner_key, enterprise, auth, signing_key, connection, tbtc
):
    """A settlement of 1 transfer and one of 13 read with as many queries; so do the dispute lists."""
    assert not Dispute.objects.exists()
    state = {}

    def add(n):
        connections = [connection] + [ConnectionFactory(partner=disputes_partner) for _ in range(n)]
        for c in connections:
            allocate(c, tbtc, 100)
        amounts = {str(c.pk): {"tbtc": "-1"} for c in connections[: len(connections)]}
        body = settlement_body(amounts, partner_key, cutoff_at=cutoff())
        response = api.post(
            v2(disputes_partner.enterprise, "partners/settlements"), body, format="json", **partner_auth
        )
        assert response.status_code == 200, response.json()
        state["id"] = response.json()["settlement"]["id"]
        fields = DisputeFields(
            settlement_id=uuid.UUID(state["id"]),
            connection_id=connection.pk,
            expected_transfers={},
            nonce=uuid.uuid4().hex,
        )
        payload, signature = sign(fields.signed(), signing_key)
        dispute_create(enterprise=enterprise, fields=fields, payload=payload, signature=signature, user_label="u")

    add(0)
    assert_constant_queries(
        lambda: api.get(v1(disputes_partner.enterprise, f"partners/settlements/{state['id']}"), **partner_auth),
        add,
        lambda response: len(response.json()["settlementTransfers"]),
        rows=12,
    )

    def add_disputes(n):
        for _ in range(n):
            add(0)

    for url, caller in (
        (v1(disputes_partner.enterprise, "partners/settlement/disputes"), partner_auth),
        (v1(enterprise, "clients/settlement/disputes"), auth),
    ):
        assert_constant_queries(
            lambda url=url, caller=caller: api.get(url, {"pageSize": 500}, **caller),
            add_disputes,
            lambda response: len(response.json()["disputes"]),
            rows=5,
        )
