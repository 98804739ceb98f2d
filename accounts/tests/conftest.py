"""Fixtures of the accounts tests: a real SMTP server and a fake OpenID Connect provider."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from accounts.tests.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDCProvider


class _Inbox:
    """aiosmtpd handler keeping every delivered message."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def links(self) -> list[str]:
        return [
            link for m in self.messages for link in re.findall(r"https?://\S+", m.get_content())
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


@pytest.fixture
def mailbox(settings, smtp_port):
    """A local SMTP server; the project sends through Django's real SMTP backend to it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def oidc(settings):
    """A fake OpenID Connect provider configured as "Acme SSO", allowing example.org."""
    provider = FakeOIDCProvider().start()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "acme",
                    "name": "Acme SSO",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": provider.url},
                }
            ]
        }
    }
    settings.SSO_ALLOWED_DOMAINS = ["example.org"]
    settings.SSO_ALLOWED_EMAILS = ["guest@partner.test"]
    yield provider
    provider.stop()
