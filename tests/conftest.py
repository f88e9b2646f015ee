"""Fixtures for the real outside parts (SMTP, HTTP gateway); settings: ebhxh.test_settings."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ebhxh.signers.softhsm import find_softhsm_module
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


@pytest.fixture(scope="session")
def module_path() -> Path:
    """The SoftHSM2 module installed on this machine (scripts/install-system-deps.sh)."""
    found = find_softhsm_module()
    assert found is not None, "SoftHSM2 is required: apt-get install softhsm2"
    return found


@pytest.fixture
def softhsm_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SoftHSM2 configuration of this test's own, selected through SOFTHSM2_CONF: tests
    never touch the machine's token directory."""
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.delenv("EBHXH_PKCS11_MODULE", raising=False)
    return conf


@pytest.fixture
def reference_data(transactional_db) -> None:
    """A transactional test starts from a flushed database: put back the reference data the
    migrations loaded (provinces, agencies, I-VAN providers). `serialized_rollback` is no
    substitute: it clashes with the content types a flush recreates."""
    from ebhxh.reference.loader import load_reference
    from ebhxh.reference.models import Agency

    if not Agency.objects.exists():
        load_reference()
