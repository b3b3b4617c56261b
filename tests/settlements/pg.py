"""Helpers of the settlement tests on real PostgreSQL (threads, worker processes, killed processes): v2 settlements
made through the service from bodies signed and parsed as the API does, the partner's account funded, the test
database's URL for subprocesses, and the ledger's checks."""

import datetime
import uuid

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from allocations.models import EXTERNAL_OWNER, AccountKind, AccountRef
from allocations.selectors.ledger import ledger_differences
from allocations.services.ledger import ledger_post, transfer
from partners.models import Currency
from settlements.api.serializers import SettlementV2CreateInput
from settlements.models import Settlement, SettlementVersion
from settlements.services.settlements import settlement_create
from tests.factories.partners import CurrencyFactory
from tests.settlements.conftest import settlement_body


def currency(code: str) -> Currency:
    """The currency, made again when a transactional test's flush removed the migration's rows."""
    return Currency.objects.filter(code=code).first() or CurrencyFactory(code=code, decimals=8)


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def v2_create(partner, key, amounts: dict, *, cutoff_at: datetime.datetime | None = None, **body) -> Settlement:
    """A v2 settlement through `settlement_create`, from a body signed by the partner's key and parsed by the v2
    API's input serializer (what `POST .../v2/.../partners/settlements` does before its one service call)."""
    signed = settlement_body(amounts, key, cutoff_at=iso(cutoff_at or timezone.now()), **body)
    parsed = SettlementV2CreateInput(data=signed)
    parsed.is_valid(raise_exception=True)
    return settlement_create(
        enterprise=partner.enterprise,
        fields=parsed.validated_data["fields"],
        payload=parsed.validated_data["payload"],
        signature=parsed.validated_data["signature"],
        initiated_by="test",
        version=SettlementVersion.V2,
    )


def zero_windows(partner) -> None:
    """Disputes enabled, both windows of length zero: a v2 settlement is due at its cutoffAt."""
    partner.config.disputes_enabled = True
    partner.config.save()
    partner.client_dispute_window_minutes = 0
    partner.top_up_window_minutes = 0
    partner.save()


def fund_partner(partner, currency: Currency, amount: int) -> None:
    """Credits the partner's own account (what pays its clients' gains), as a deposit would."""
    ledger_post(
        kind="deposit",
        lines=transfer(
            source=AccountRef(EXTERNAL_OWNER, AccountKind.EXTERNAL, currency),
            destination=AccountRef(partner.pk, AccountKind.PARTNER, currency),
            amount=amount,
        ),
    )


def database_url(**query: str) -> str:
    """The test database's URL, for a subprocess that must see what the test commits."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def assert_ledger_consistent() -> None:
    assert ledger_differences() == []
    call_command("ledger_verify")  # exits non-zero (CommandError) on any difference


def new_id() -> str:
    return uuid.uuid4().hex[:12]
