"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests that send mail."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSMTPServer:
    """Accepts every mail (but refuses recipients named in `refuse`); start() and stop() may be repeated,
    on the same port, to play a server that goes down and comes back."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.envelopes: list = []
        self.refuse: set[str] = set()
        self._controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        """What was received, parsed as the recipient's mail program would."""
        return [message_from_bytes(e.original_content or e.content, policy=policy.default) for e in self.envelopes]

    def mail_config(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_USE_TLS": False, "MAIL_USE_SSL": False,
                "MAIL_USERNAME": "", "MAIL_PASSWORD": "", "MAIL_TIMEOUT": 5,
                "MAIL_FROM": "委託先管理システム <oversight@sakura-hd.example>"}
