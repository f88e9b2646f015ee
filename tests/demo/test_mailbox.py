import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from django.urls import reverse
from django.utils import timezone

from ebhxh.demo.data import DEMO_ADMIN, load_all
from ebhxh.notifications import services
from ebhxh.notifications.models import MessageStatus, OutboxMessage
from tests.support.smtp import free_port

pytestmark = pytest.mark.django_db

CTX = {"requested_by": "kiểm thử", "requested_at": timezone.now(), "sequence": 7}


@pytest.fixture
def demo_sinks(settings, tmp_path):
    """The demo's own SMTP server (writing a Maildir) and its SMS endpoint on a live server."""
    settings.DEMO_MAILDIR = tmp_path / "maildir"
    settings.DEMO_SMS_LOG = tmp_path / "sms.jsonl"
    port = free_port()
    controller = Controller(Mailbox(str(settings.DEMO_MAILDIR)), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield
    controller.stop()


def test_mailbox_shows_what_the_smtp_server_received(client, demo_sinks):
    message = services.queue_email(to="ketoan@congty.vn", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT
    html = client.get(reverse("demo:mailbox")).content.decode()
    assert "ketoan@congty.vn" in html and "Thư kiểm tra cấu hình gửi email #7" in html
    key = html.split("/demo/mailbox/email/")[1].split("/")[0]
    detail = client.get(reverse("demo:email_detail", args=[key])).content.decode()
    assert message.message_id_header.strip("<>") in detail
    assert "kiểm thử" in detail


def test_mailbox_shows_sms_received_by_the_demo_gateway(client, live_server, settings, demo_sinks):
    settings.SMS_GATEWAY_URL = live_server.url + reverse("demo:sms_gateway")
    message = services.queue_sms(to="0987654321", template="test_message", context=CTX)
    services.deliver(message_id=message.pk)  # already delivered on commit here (live server)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    html = client.get(reverse("demo:mailbox") + "?tab=sms").content.decode()
    assert "+84987654321" in html and "Tin nhan kiem tra" in html


def test_sms_gateway_rejects_bad_payloads(client, demo_sinks):
    url = reverse("demo:sms_gateway")
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post(url, data={"to": "x"}, content_type="application/json").status_code == 400


def test_outbox_tab_shows_failures(client, demo_sinks, settings):
    settings.SMS_GATEWAY_URL = ""
    message = services.queue_sms(to="0987654321", template="test_message", context=CTX)
    services.deliver(message_id=message.pk)
    html = client.get(reverse("demo:mailbox") + "?tab=outbox").content.decode()
    assert "Chờ gửi" in html and "SMS_GATEWAY_URL" in html


def test_demo_data_is_loaded_once(demo_sinks, settings, tmp_path):
    """Every app's demo data is idempotent: a second load adds no user, message or record."""
    from django.contrib.auth import get_user_model

    from ebhxh.audit.models import AuditRecord

    settings.DEMO_PKI_DIR = tmp_path / "pki"
    load_all(log=lambda line: None)
    users = get_user_model().objects.count()
    messages = OutboxMessage.objects.count()
    records = AuditRecord.objects.count()
    load_all(log=lambda line: None)

    assert get_user_model().objects.filter(username=DEMO_ADMIN[0], is_superuser=True).count() == 1
    assert messages >= 2  # at least the welcome email and SMS of the platform
    assert (get_user_model().objects.count(), OutboxMessage.objects.count()) == (users, messages)
    assert AuditRecord.objects.count() == records


def test_mailbox_lists_mail_whose_date_has_no_zone(client, settings, tmp_path):
    """RFC 5322 "-0000" dates parse naive; they must sort with the others, not crash."""
    import mailbox

    settings.DEMO_MAILDIR = tmp_path / "maildir"
    box = mailbox.Maildir(str(settings.DEMO_MAILDIR), create=True)
    for subject, date in [
        ("Thư không rõ múi giờ", "Sat, 21 Nov 2026 10:00:00 -0000"),
        ("Thư giờ Việt Nam", "Sat, 21 Nov 2026 17:30:00 +0700"),
    ]:
        box.add(
            f"From: a@b.vn\nTo: c@d.vn\nSubject: {subject}\nDate: {date}\n\nNội dung\n".encode()
        )
    html = client.get(reverse("demo:mailbox")).content.decode()
    assert html.index("Thư giờ Việt Nam") < html.index("Thư không rõ múi giờ")
