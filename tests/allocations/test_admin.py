"""Staff screens of the ledger: the Funding page (deposit / withdraw through the services, reason required, errors on
the form, nothing written when refused) and read-only accounts, transactions with their entries, and entries."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from allocations.models import AccountKind, AccountRef, LedgerAccount, LedgerEntry, LedgerTransaction
from allocations.selectors.ledger import account_balance
from allocations.services.funding import network_deposit
from partners.models import Currency
from tests.factories.organizations import OrganizationFactory, UserFactory
from tests.factories.partners import NetworkClientFactory, PartnerFactory

pytestmark = pytest.mark.django_db

FUNDING_URL = "/admin/allocations/ledgertransaction/funding/"


@pytest.fixture
def staff_user():
    return UserFactory(is_staff=True, is_superuser=True, username="stella")


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def globex():
    return NetworkClientFactory(enterprise=OrganizationFactory(name="Globex"))


@pytest.fixture
def tbtc():
    return Currency.objects.get(code="tbtc")


def available(client, currency) -> int:
    return account_balance(AccountRef(client.pk, AccountKind.AVAILABLE, currency))


def funding(client, **changes) -> dict:
    data = {"client": str(client.pk), "direction": "deposit", "currency": "tbtc", "amount": "100", "memo": "Wire 1"}
    return data | changes


def test_the_funding_url_is_the_admin_one():
    assert reverse("admin:allocations_ledgertransaction_funding") == FUNDING_URL


def test_staff_deposit_through_the_form_and_land_on_the_transaction(staff, staff_user, globex, tbtc):
    response = staff.post(FUNDING_URL, funding(globex, amount="250000000", memo="Wire 2026-001"))

    posting = LedgerTransaction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:allocations_ledgertransaction_change", args=[posting.pk])
    assert available(globex, tbtc) == 250_000_000
    assert (posting.kind, posting.memo, posting.created_by) == ("deposit", "Wire 2026-001", staff_user)
    page = staff.get(response["Location"]).content.decode()
    assert "Deposit of 250000000 tbtc base units for Globex recorded." in page
    assert "Wire 2026-001" in page and "-250000000" in page  # the entries are shown inline


def test_staff_withdraw_through_the_form(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1_000, memo="in")
    response = staff.post(FUNDING_URL, funding(globex, direction="withdrawal", amount="1000", memo="Payout"))
    assert response.status_code == 302
    assert available(globex, tbtc) == 0
    assert LedgerTransaction.objects.filter(kind="withdrawal", memo="Payout").exists()


def test_an_overdraft_is_shown_on_the_form_and_nothing_is_written(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1_000, memo="in")
    response = staff.post(FUNDING_URL, funding(globex, direction="withdrawal", amount="1001", memo="Too much"))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Insufficient tbtc funds" in errors["amount"][0]
    assert "Insufficient tbtc funds" in response.content.decode()
    assert "Too much</textarea>" in response.content.decode()  # what was typed is kept
    assert LedgerTransaction.objects.count() == 1 and available(globex, tbtc) == 1_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"memo": ""}, "memo"),
        ({"memo": "   "}, "memo"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.5"}, "amount"),
        ({"amount": "007"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "9" * 79}, "amount"),
        ({"currency": "nope"}, "currency"),
        ({"direction": "steal"}, "direction"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(staff, globex, changes, field):
    response = staff.post(FUNDING_URL, funding(globex, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0 and LedgerAccount.objects.count() == 0


def test_an_amount_whose_balance_the_ledger_cannot_hold_is_refused_on_the_form(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=1, memo="in")  # the external account is at -1

    response = staff.post(FUNDING_URL, funding(globex, amount="9" * 78))  # it would reach -10**78: 79 digits

    assert response.status_code == 200
    assert "more than 78 digits" in response.context["form"].errors["amount"][0]
    assert LedgerTransaction.objects.count() == 1 and available(globex, tbtc) == 1


def test_a_deposit_in_an_inactive_currency_is_refused_on_the_form(staff, globex, tbtc):
    Currency.objects.filter(pk=tbtc.pk).update(active=False)
    response = staff.post(FUNDING_URL, funding(globex))
    assert response.status_code == 200
    assert "not active" in response.context["form"].errors["currency"][0]
    assert LedgerTransaction.objects.count() == 0


def test_the_form_shows_the_selected_clients_balances(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=12_345, memo="in")
    response = staff.get(f"{FUNDING_URL}?client={globex.pk}")
    assert response.status_code == 200
    assert response.context["balances"] == [("tbtc", "12345")]
    assert response.context["form"]["client"].value() == str(globex.pk)


def test_the_network_client_page_links_to_funding(staff, globex):
    page = staff.get(reverse("admin:partners_networkclient_change", args=[globex.pk])).content.decode()
    assert f"{FUNDING_URL}?client={globex.pk}" in page


def test_staff_without_the_permission_cannot_fund(client, globex):
    viewer = UserFactory(is_staff=True, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_ledgertransaction"))
    client.force_login(viewer)
    assert client.get(FUNDING_URL).status_code == 403
    assert client.post(FUNDING_URL, funding(globex)).status_code == 403
    assert LedgerTransaction.objects.count() == 0
    # the changelist offers no funding link to them either
    assert FUNDING_URL not in client.get(reverse("admin:allocations_ledgertransaction_changelist")).content.decode()


def test_granting_the_permission_lets_other_staff_fund(client, globex, tbtc):
    treasurer = UserFactory(is_staff=True, username="treasurer")
    treasurer.user_permissions.add(Permission.objects.get(codename="add_ledgertransaction"))
    client.force_login(treasurer)
    assert client.post(FUNDING_URL, funding(globex)).status_code == 302
    assert available(globex, tbtc) == 100


def test_anonymous_visitors_are_sent_to_sign_in(client, globex):
    response = client.post(FUNDING_URL, funding(globex))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize("model", ["ledgeraccount", "ledgertransaction", "ledgerentry"])
def test_ledger_screens_are_read_only(staff, globex, tbtc, model):
    network_deposit(client=globex, currency=tbtc, amount=100, memo="Wire 9")
    changelist = staff.get(reverse(f"admin:allocations_{model}_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert staff.get(reverse(f"admin:allocations_{model}_add")).status_code == 403

    obj = {"ledgeraccount": LedgerAccount, "ledgertransaction": LedgerTransaction, "ledgerentry": LedgerEntry}[model]
    instance = obj.objects.order_by("pk").first()
    change_url = reverse(f"admin:allocations_{model}_change", args=[instance.pk])
    page = staff.get(change_url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert staff.post(change_url, {}).status_code == 403
    delete_url = reverse(f"admin:allocations_{model}_delete", args=[instance.pk])
    assert staff.post(delete_url, {"post": "yes"}).status_code == 403
    assert obj.objects.filter(pk=instance.pk).exists()


def test_ledger_screens_filter_and_search(staff, globex, tbtc):
    other = NetworkClientFactory()
    network_deposit(client=globex, currency=tbtc, amount=100, memo="Wire for Globex")
    network_deposit(client=other, currency=tbtc, amount=7, memo="Wire for other")

    accounts = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"q": str(globex.pk)})
    assert [a.owner_id for a in accounts.context["cl"].result_list] == [globex.pk]
    kinds = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"kind__exact": "external"})
    assert [a.kind for a in kinds.context["cl"].result_list] == ["external"]
    garbage = staff.get(reverse("admin:allocations_ledgeraccount_changelist"), {"q": "not-a-uuid"})
    assert garbage.status_code == 200

    transactions = staff.get(reverse("admin:allocations_ledgertransaction_changelist"), {"q": "Globex"})
    assert [t.memo for t in transactions.context["cl"].result_list] == ["Wire for Globex"]
    by_kind = staff.get(reverse("admin:allocations_ledgertransaction_changelist"), {"kind__exact": "withdrawal"})
    assert by_kind.context["cl"].result_count == 0

    account = LedgerAccount.objects.get(owner_id=globex.pk)
    entries = staff.get(reverse("admin:allocations_ledgerentry_changelist"), {"q": str(globex.pk)})
    assert [e.account_id for e in entries.context["cl"].result_list] == [account.pk]


def test_an_account_page_names_its_owner(staff, globex, tbtc):
    network_deposit(client=globex, currency=tbtc, amount=100, memo="in")
    account = LedgerAccount.objects.get(owner_id=globex.pk)
    page = staff.get(reverse("admin:allocations_ledgeraccount_change", args=[account.pk])).content.decode()
    assert "Network client of Globex" in page


def test_staff_fund_a_partners_own_account_and_it_never_overdraws(staff, tbtc):
    partner = PartnerFactory(name="Bravo Exchange")
    data = {"client": "", "partner": str(partner.pk), "direction": "deposit", "currency": "tbtc", "amount": "700"}

    response = staff.post(FUNDING_URL, {**data, "memo": "Partner float"})
    overdraft = staff.post(FUNDING_URL, {**data, "direction": "withdrawal", "amount": "701", "memo": "Too much"})
    both = staff.post(FUNDING_URL, {**data, "client": str(NetworkClientFactory().pk), "memo": "Which?"})

    assert response.status_code == 302
    assert account_balance(AccountRef(partner.pk, AccountKind.PARTNER, tbtc)) == 700
    assert "Insufficient tbtc funds" in overdraft.content.decode()
    assert "Choose a client or a partner" in both.content.decode()
    assert LedgerTransaction.objects.count() == 1
    page = staff.get(f"{FUNDING_URL}?partner={partner.pk}").content.decode()
    assert "Balances of the selected account" in page and "700" in page
