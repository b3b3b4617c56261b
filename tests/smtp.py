"""A real SMTP server on loopback (aiosmtpd) for tests: it keeps what it receives, and can be made to hold its
answer to a message (to lose the client between "the server has the message" and "the client knows it")."""

import email
import socket
import threading
import time
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: every message the server took, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.hold = threading.Event()
        self.hold.set()  # answer at once; clear() to hold the answer until set() again
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        # Blocking the server's loop is fine: this server serves one test client.
        self.hold.wait(timeout=60)
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def wait_for(self, count: int, timeout: float = 60) -> list[Message]:
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.count() >= count, f"{self.count()} message(s) arrived, expected {count}"
        return list(self.messages)


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.inbox.hold.set()
            self.controller.stop()
            self.controller = None
