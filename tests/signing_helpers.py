"""Test-side signing with the reference scheme (the server only verifies)."""

from coincurve import PrivateKey

from organizations.signing import message_hash


def sign_message(private_key: PrivateKey, payload: str) -> str:
    """A compact recoverable signature (header 27 + 4 + recid, r, s) in hex, as the reference SDK makes it."""
    recoverable = private_key.sign_recoverable(message_hash(payload), hasher=None)
    r_s, recovery_id = recoverable[:64], recoverable[64]
    return (bytes([27 + 4 + recovery_id]) + r_s).hex()
