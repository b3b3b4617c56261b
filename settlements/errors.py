"""Domain errors of settlements and disputes (stable codes: clients match on them; the network dialect shows them as
`name`). A loss a connection cannot cover is allocations' InsufficientFunds, naming the connection."""

from config.errors import Conflict, Forbidden, ObjectNotFound, UnprocessableEntity


class SettlementNotFound(ObjectNotFound):
    code = "SettlementNotFound"
    default_message = "Settlement not found."


class DisputeNotFound(ObjectNotFound):
    code = "DisputeNotFound"
    default_message = "Dispute not found."


class SettlementIdConflict(Conflict):
    code = "SettlementIdConflict"
    default_message = "This externalId was already used for another settlement: a retry must send the same body."


class DisputesEnabled(Forbidden):
    code = "DisputesEnabled"
    default_message = (
        "This partner has disputes enabled: its settlements wait for the client dispute window. "
        "Use POST /api/network/v2/enterprises/{enterpriseId}/partners/settlements with cutoffAt."
    )


class PartnerNotActive(Forbidden):
    code = "PartnerInactive"
    default_message = "The partner is not active: it cannot settle."


class SettlementFinal(UnprocessableEntity):
    code = "SettlementFinal"
    default_message = "The settlement is no longer pending: it can no longer be disputed."


class DisputeWindowClosed(UnprocessableEntity):
    code = "DisputeWindowClosed"
    default_message = "The dispute window of this settlement has ended."


class DisputeExists(Conflict):
    code = "DisputeExists"
    default_message = "This connection already has an open dispute on this settlement."


class DisputeClosed(Conflict):
    code = "DisputeClosed"
    default_message = "The dispute is closed: it can no longer be changed."


class DisputeMismatch(UnprocessableEntity):
    code = "DisputeMismatch"
    default_message = "The request does not describe this dispute (its connection differs)."
