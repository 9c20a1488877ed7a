"""`flask outbox send`: mail queued by the services is delivered once, retried with a growing
delay when the mail server fails, and given up after OUTBOX_MAX_ATTEMPTS. The mail server is
faked at the edge (app.extensions["mailer"]), or is a tiny SMTP responder on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import OutboxMessage, OutboxStatus
from navigator.services import accounts
from navigator.services.mail import MailError, SmtpMailer, send_pending

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class FakeMailer:
    """Records what it is asked to send; raises MailError while `failing` is set."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failing = False

    def send(self, to: str, subject: str, body: str) -> None:
        if self.failing:
            raise MailError("Connection refused by smtp.example.org")
        self.sent.append((to, subject, body))


@pytest.fixture
def mailer(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FakeMailer:
    fake = FakeMailer()
    monkeypatch.setitem(app.extensions, "mailer", fake)
    return fake


@pytest.fixture
def reset_mail(app: Flask, staff: dict[str, Any], frozen_now: Callable[[datetime], None]) -> OutboxMessage:
    """A password reset email queued by the accounts service for an existing user, at NOW."""
    frozen_now(NOW)
    with app.test_request_context():
        accounts.request_password_reset(staff["navigator"].email)
    return only_message()


def only_message() -> OutboxMessage:
    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 1
    return messages[0]


def outbox_send(app: Flask) -> str:
    """Run `flask outbox send` and return what it printed."""
    db.session.commit()  # end this test's read transaction, so the command can write
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output.strip()


def test_queued_mail_is_sent_once(
    app: Flask, mailer: FakeMailer, reset_mail: OutboxMessage, staff: dict[str, Any]
) -> None:
    assert reset_mail.status is OutboxStatus.PENDING
    assert reset_mail.to == staff["navigator"].email

    assert outbox_send(app) == "Sent 1, failed 0, pending 0"

    [(to, subject, body)] = mailer.sent
    assert to == reset_mail.to
    assert subject == "Reset your Community Navigator password"
    assert "http://localhost/reset-password/" in body
    message = only_message()
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at == NOW

    # A second run finds nothing to send: a sent message is never sent twice.
    assert outbox_send(app) == "Sent 0, failed 0, pending 0"
    assert len(mailer.sent) == 1
    assert only_message().attempts == 1


def test_failed_send_stays_pending_and_is_retried_later(
    app: Flask, mailer: FakeMailer, reset_mail: OutboxMessage, frozen_now: Callable[[datetime], None]
) -> None:
    mailer.failing = True

    assert outbox_send(app) == "Sent 0, failed 1, pending 1"

    message = only_message()
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.last_error
    assert message.next_attempt_at == NOW + timedelta(minutes=1)
    assert message.sent_at is None

    # Not due yet: the next run leaves it alone, even once the server is back.
    mailer.failing = False
    frozen_now(NOW + timedelta(seconds=30))
    assert outbox_send(app) == "Sent 0, failed 0, pending 1"
    assert mailer.sent == []

    # Past its next attempt time it goes out, and the error is cleared.
    frozen_now(NOW + timedelta(minutes=1, seconds=1))
    assert outbox_send(app) == "Sent 1, failed 0, pending 0"
    message = only_message()
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(mailer.sent) == 1


def test_gives_up_after_the_maximum_number_of_attempts(
    app: Flask,
    mailer: FakeMailer,
    reset_mail: OutboxMessage,
    frozen_now: Callable[[datetime], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    mailer.failing = True
    moment = NOW
    delays = []
    for attempt in range(1, 4):
        frozen_now(moment)
        assert outbox_send(app) == "Sent 0, failed 1, pending 1"
        message = only_message()
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, attempt)
        delays.append(message.next_attempt_at - moment)
        moment = message.next_attempt_at
    # The delay doubles each time: 1, 2, 4 minutes.
    assert delays == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]

    frozen_now(moment)
    assert outbox_send(app) == "Sent 0, failed 1, pending 0"
    message = only_message()
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == 4

    # A failed message is not tried again, even when the server works.
    mailer.failing = False
    frozen_now(moment + timedelta(days=1))
    assert outbox_send(app) == "Sent 0, failed 0, pending 0"
    assert mailer.sent == []
    assert only_message().attempts == 4


def test_send_pending_takes_a_mailer_and_counts(app: Flask, reset_mail: OutboxMessage) -> None:
    mailer = FakeMailer()
    assert send_pending(mailer) == (1, 0)
    assert send_pending(mailer) == (0, 0)
    assert [to for to, _, _ in mailer.sent] == [reset_mail.to]


# -- SMTP --------------------------------------------------------------------------------------


class TinySmtpServer:
    """Just enough SMTP on 127.0.0.1 for smtplib to hand over one message, in a thread that
    stops by itself after one conversation or ten seconds."""

    def __init__(self, *, refuse_recipients: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.refuse_recipients = refuse_recipients
        self.commands: list[bytes] = []
        self.messages: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection, connection.makefile("rb") as reader:
            connection.settimeout(10)
            with contextlib.suppress(OSError):  # the client hung up: nothing more to serve
                self._converse(connection, reader)

    def _converse(self, connection: socket.socket, reader: Any) -> None:
        connection.sendall(b"220 localhost tiny test SMTP\r\n")
        while line := reader.readline():
            command = line.strip().upper()
            self.commands.append(command.split(b":")[0].split(b" ")[0])
            if command.startswith((b"EHLO", b"HELO")):
                connection.sendall(b"250 localhost\r\n")
            elif command.startswith(b"RCPT") and self.refuse_recipients:
                connection.sendall(b"550 5.1.1 No such mailbox\r\n")
            elif command.startswith(b"DATA"):
                connection.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                lines = []
                while (data := reader.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.messages.append(b"".join(lines))
                connection.sendall(b"250 2.0.0 Queued\r\n")
            elif command.startswith(b"QUIT"):
                connection.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                connection.sendall(b"250 2.0.0 OK\r\n")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.fixture
def smtp_server() -> Iterator[TinySmtpServer]:
    server = TinySmtpServer()
    yield server
    server.close()


def smtp_mailer(port: int) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, "", "", False, "Community Navigator <no-reply@navigator.example.org>")


def test_smtp_mailer_delivers_to_an_smtp_server(smtp_server: TinySmtpServer) -> None:
    smtp_mailer(smtp_server.port).send("nadia@example.org", "Referral CN-2026-000001 allocated to you", "Hello")
    smtp_server.close()

    [message] = smtp_server.messages
    assert b"To: nadia@example.org" in message
    assert b"Subject: Referral CN-2026-000001 allocated to you" in message
    assert b"From: Community Navigator <no-reply@navigator.example.org>" in message
    assert b"Hello" in message
    assert smtp_server.commands[-1] == b"QUIT"


def test_outbox_send_uses_smtp_when_configured(
    app: Flask, reset_mail: OutboxMessage, smtp_server: TinySmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_server.port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)

    assert outbox_send(app) == "Sent 1, failed 0, pending 0"
    smtp_server.close()
    [message] = smtp_server.messages
    assert b"Subject: Reset your Community Navigator password" in message
    assert f"To: {reset_mail.to}".encode() in message


def test_smtp_mailer_turns_a_refused_connection_into_mail_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        unused_port = probe.getsockname()[1]
    with pytest.raises(MailError):
        smtp_mailer(unused_port).send("nadia@example.org", "Subject", "Body")


def test_smtp_mailer_turns_a_refused_recipient_into_mail_error() -> None:
    server = TinySmtpServer(refuse_recipients=True)
    try:
        with pytest.raises(MailError, match="No such mailbox"):
            smtp_mailer(server.port).send("nobody@example.org", "Subject", "Body")
    finally:
        server.close()
    assert server.messages == []
