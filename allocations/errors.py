"""Domain errors of the ledger, funding, balances, allocations and deallocations (stable codes: clients match on
them; the network dialect shows them as `name`). An allocation a business rule refuses is stored `released` with the
refusal's message and code (ConnectionInactive, partners' PartnerInactive, CurrencyNotSupported, InsufficientFunds)."""

import re

from config.errors import Conflict, ObjectNotFound, UnprocessableEntity
from partners.amounts import format_units
from partners.models import Currency

# The ledger's shortfall message, in base units as the API has always said it (stored as a refused allocation's
# reason, returned by the API); pages read it in whole units (`in_whole_units`).
_SHORTFALL = "Insufficient {code} funds: {kind} balance {balance}, {needed} needed."
# Any InsufficientFunds message (the ledger's, settlements' "... holds N allocated, M needed."): its code, and the
# amounts after "balance " / "holds " and before " needed".
_INSUFFICIENT = re.compile(r"Insufficient (?P<code>[a-z0-9:]+) funds: [^\n]*? needed\.", re.ASCII)
_AMOUNT = re.compile(r"(?<=balance )-?[0-9]+|(?<=holds )-?[0-9]+|[0-9]+(?= needed\.)", re.ASCII)


class InsufficientFunds(UnprocessableEntity):
    code = "InsufficientFunds"
    default_message = "Insufficient funds."

    @classmethod
    def shortfall(cls, *, code: str, kind: str, balance: int, needed: int) -> "InsufficientFunds":
        """The ledger's refusal of a posting that would take `needed` from a `kind` account holding `balance`."""
        return cls(_SHORTFALL.format(code=code, kind=kind, balance=balance, needed=needed))


def in_whole_units(message: str, *, decimals: int | None = None) -> str:
    """A refusal's `message` as a page shows it: the amounts of an InsufficientFunds message (base units, as stored
    and as the API says them) in whole units of its currency — "Insufficient tbtc funds: available balance 0.25 tbtc,
    0.99 tbtc needed." — and any other message as it is. `decimals` are the currency's; when not given, the currency
    named in the message is looked up (one query, only for such a message)."""

    def whole(match: re.Match) -> str:
        code = match["code"]
        places = decimals
        if places is None:
            places = Currency.objects.filter(code=code).values_list("decimals", flat=True).first()
            if places is None:
                return match[0]
        return _AMOUNT.sub(lambda amount: format_units(int(amount[0]), places, code), match[0])

    return _INSUFFICIENT.sub(whole, message or "")


class LedgerBalanceOverflow(UnprocessableEntity):
    """A posting after which a balance would not fit the ledger's NUMERIC(78,0) (partners.amounts)."""

    code = "LedgerBalanceOverflow"
    default_message = "The amount is too large: a balance would have more than 78 digits."


class LedgerImbalanced(Exception):
    """A posting whose lines do not sum to zero per currency: a programming error, never a user's."""


class CurrencyInactive(UnprocessableEntity):
    code = "CurrencyInactive"
    default_message = "The currency is not active: no new funds come in it (withdrawals still go out)."


class NetworkClientNotFound(ObjectNotFound):
    code = "NetworkClientNotFound"
    default_message = "This enterprise has no network client yet: create it first (POST .../clients)."


class ConnectionNotFound(ObjectNotFound):
    code = "ConnectionNotFound"
    default_message = "Connection not found."


class AllocationNotFound(ObjectNotFound):
    code = "AllocationNotFound"
    default_message = "Allocation not found."


class AllocationIdConflict(Conflict):
    code = "AllocationIdConflict"
    default_message = "This clientExternalId was already used for another request: a retry must send the same body."


class AllocationAlreadyFinal(Conflict):
    code = "AllocationAlreadyFinal"
    default_message = "The allocation is no longer reserved: it was already given another final status."


class AllocationMismatch(UnprocessableEntity):
    code = "AllocationMismatch"
    default_message = "The request does not describe this allocation (amount, client or connection differ)."


class CurrencyNotSupported(UnprocessableEntity):
    code = "CurrencyNotSupported"
    default_message = "The partner does not support this currency."


class ConnectionInactive(UnprocessableEntity):
    code = "ConnectionInactive"
    default_message = "The connection is inactive: it takes no new allocations (deallocations still work)."
