"""The invitations' domain errors (invitations.services, .selectors, .delivery)."""

from config.errors import Conflict, Forbidden, ObjectNotFound, UnprocessableEntity


class EmailDeliveryFailed(Exception):
    """The SMTP server could not be reached or refused for now: the task retries."""


class InvitationNotFound(ObjectNotFound):
    code = "InvitationNotFound"
    default_message = "This invitation link is not valid: it may have been mistyped, or replaced by a newer email."


class InvitationAlreadyAccepted(Conflict):
    code = "InvitationAlreadyAccepted"
    default_message = "This invitation has already been accepted."


class InvitationExpired(Conflict):
    code = "InvitationExpired"
    default_message = "This invitation has expired. Ask the organization that invited you for a new one."


class InvitationForSomeoneElse(Forbidden):
    code = "InvitationForSomeoneElse"
    default_message = "This invitation was sent to another email address than the one of your account."


class PartnerAlreadyConnected(Conflict):
    code = "PartnerAlreadyConnected"
    default_message = "This partner has already accepted an invitation."


class PartnerEmailMissing(UnprocessableEntity):
    code = "PartnerEmailMissing"
    default_message = "This partner has no email address to send an invitation to."
