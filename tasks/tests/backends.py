"""A stand-in for the SMTP server (a third party the tests cannot reach): it fails the way a real
server does, as many times as a test says, then behaves like Django's locmem backend."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class ScriptedSMTPBackend(EmailBackend):
    # Errors to raise on the next sends, in order; shared by every connection.
    failures: list[Exception] = []

    def send_messages(self, messages):
        if ScriptedSMTPBackend.failures:
            raise ScriptedSMTPBackend.failures.pop(0)
        return super().send_messages(messages)


def disconnected() -> Exception:
    return smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def mailbox_unavailable() -> Exception:
    return smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"5.1.1 No such user")})


def try_again_later() -> Exception:
    return smtplib.SMTPDataError(451, b"4.3.0 Try again later")
