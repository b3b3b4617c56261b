"""Domain errors of the network (codes are stable: clients match on them; the network dialect shows them as `name`)."""

from config.errors import Conflict, ObjectNotFound, UnprocessableEntity


class PartnerConfigMissing(UnprocessableEntity):
    code = "PartnerConfigMissing"
    default_message = "Partner configuration is missing. Ask the network's staff to set one up for this enterprise."


class AlreadyPartner(Conflict):
    code = "AlreadyPartner"
    default_message = "This enterprise is already a network partner."


class PartnerNotFound(ObjectNotFound):
    code = "PartnerNotFound"
    default_message = "Partner not found."


class PartnerInactive(UnprocessableEntity):
    code = "PartnerInactive"
    default_message = "The partner is not active: it accepts no new connections."


class TrustOrgMismatch(UnprocessableEntity):
    code = "TrustOrgMismatch"
    default_message = "The partner belongs to another trust organization than this client."


class ConnectionKeySchemaMismatch(UnprocessableEntity):
    code = "ConnectionKeySchemaMismatch"
    default_message = "The connection key does not use the partner's connection key schema."


class CurrencyNotFound(ObjectNotFound):
    code = "CurrencyNotFound"


class NetworkClientMissing(UnprocessableEntity):
    code = "NetworkClientMissing"
    default_message = "This enterprise has no network client yet: create it first (POST .../clients)."
