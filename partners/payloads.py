"""The signed requests of the network partners app: the exact fields each signs.

The signed fields are a wire contract of their own: the reference SDK signs these camelCase keys, so they are
spelled here, once, and nowhere else in the domain (organizations.signing.signing_payload encodes them).
"""

import uuid


def connection_signed_fields(*, partner_id: uuid.UUID, name: str, connection_key: dict, nonce: str) -> dict:
    """The fields a connection request signs, as the reference SDK lays them out."""
    return {"partnerId": str(partner_id), "name": name, "connectionKey": connection_key, "nonce": nonce}
