"""Mail through an outbox table and a mail adapter.

Services call `queue_mail` inside their own transaction; `flask outbox send`
(cron, or after each request in small deployments) delivers what is pending and
retries failures with a growing delay, so nothing is lost if the server is down.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from navigator import clock
from navigator.extensions import db
from navigator.models import OutboxMessage, OutboxStatus


class MailError(RuntimeError):
    pass


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message or raise MailError."""


class ConsoleMailer:
    """Writes mail to the application log (development and demo)."""

    def send(self, to: str, subject: str, body: str) -> None:
        current_app.logger.info("Mail to %s: %s\n%s", to, subject, body)


class SmtpMailer:
    def __init__(self, host: str, port: int, username: str, password: str, starttls: bool, sender: str):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.sender = starttls, sender

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


def get_mailer() -> Mailer:
    mailer = current_app.extensions.get("mailer")
    if mailer is not None:
        return mailer  # type: ignore[no-any-return]
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpMailer(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_USERNAME"],
            config["SMTP_PASSWORD"],
            config["SMTP_STARTTLS"],
            config["MAIL_FROM"],
        )
    return ConsoleMailer()


def queue_mail(to: str, subject: str, body: str, *, key: str | None = None) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction (not committed here). With a
    `key`, a second message with the same key cannot be committed (it is unique)."""
    if not to:
        return None
    message = OutboxMessage(to=to, subject=subject, body=body, next_attempt_at=clock.now(), idempotency_key=key)
    db.session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def send_pending(mailer: Mailer | None = None, limit: int = 200) -> tuple[int, int]:
    """Deliver pending mail that is due, one message per transaction, so two senders
    running at once never send the same message. Returns (sent, failed this run)."""
    mailer = mailer or get_mailer()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    now = clock.now()
    sent = failed = 0
    for _ in range(limit):
        message = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            break
        message.attempts += 1
        try:
            mailer.send(message.to, message.subject, message.body)
        except MailError as error:
            failed += 1
            message.last_error = str(error)[:2000]
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        else:
            sent += 1
            message.status = OutboxStatus.SENT
            message.sent_at = now
            message.last_error = ""
        db.session.commit()
    return sent, failed
