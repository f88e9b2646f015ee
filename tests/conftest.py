"""Fixtures for the real outside parts (SMTP, HTTP gateway); settings: ebhxh.test_settings."""

from collections.abc import Iterator

import pytest

from tests.support.http_sink import HttpSink
from tests.support.smtp import SmtpSink


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; the app's SMTP settings point at it."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 3
    yield sink
    sink.stop()


@pytest.fixture
def sms_gateway(settings) -> Iterator[HttpSink]:
    sink = HttpSink().start()
    settings.SMS_GATEWAY_URL = sink.url
    settings.SMS_GATEWAY_TOKEN = "test-token"
    yield sink
    sink.stop()
