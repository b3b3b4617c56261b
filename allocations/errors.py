"""Domain errors of the ledger, funding, balances, allocations and deallocations (stable codes: clients match on
them; the network dialect shows them as `name`). An allocation a business rule refuses is stored `released` with the
refusal's message and code (ConnectionInactive, partners' PartnerInactive, CurrencyNotSupported, InsufficientFunds)."""

from config.errors import Conflict, ObjectNotFound, UnprocessableEntity


class InsufficientFunds(UnprocessableEntity):
    code = "InsufficientFunds"
    default_message = "Insufficient funds."


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
