"""Domain errors of allocations and deallocations (stable codes: clients match on them; the network dialect shows
them as `name`). The refusals an allocation is stored `released` for are listed in REFUSALS."""

from config.errors import Conflict, ObjectNotFound, UnprocessableEntity


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
