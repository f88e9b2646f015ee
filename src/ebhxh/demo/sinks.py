"""What the demo's own SMTP server and SMS gateway received, read back for the mailbox page.

The demo sends through the real paths (SMTP to a local aiosmtpd server writing a Maildir;
HTTP POST to a local SMS endpoint appending to a JSON-lines file), so the mailbox shows what
actually left the outbox, not what the outbox intended.
"""

from __future__ import annotations

import fcntl
import json
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class ReceivedEmail:
    key: str
    received_at: datetime | None
    sender: str
    to: str
    subject: str
    message_id: str
    text: str
    html: str


def _maildir() -> mailbox.Maildir:
    path = Path(settings.DEMO_MAILDIR)
    path.parent.mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(str(path), factory=None, create=True)


def _parse(key: str, raw: bytes) -> ReceivedEmail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    date = msg.get("Date")
    received_at = parsedate_to_datetime(str(date)) if date else None
    if received_at is not None and received_at.tzinfo is None:  # "-0000": UTC, zone unknown
        received_at = received_at.replace(tzinfo=UTC)
    return ReceivedEmail(
        key=key,
        received_at=received_at,
        sender=str(msg.get("From", "")),
        to=str(msg.get("To", "")),
        subject=str(msg.get("Subject", "")),
        message_id=str(msg.get("Message-ID", "")),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
    )


def received_emails(limit: int = 200) -> list[ReceivedEmail]:
    box = _maildir()
    items = [_parse(key, box.get_bytes(key)) for key in box.iterkeys()]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    items.sort(key=lambda e: e.received_at or epoch, reverse=True)
    return items[:limit]


def received_email(key: str) -> ReceivedEmail | None:
    box = _maildir()
    try:
        return _parse(key, box.get_bytes(key))
    except KeyError:
        return None


def record_sms(payload: dict[str, Any]) -> dict[str, Any]:
    entry = {**payload, "received_at": timezone.now().isoformat()}
    path = Path(settings.DEMO_SMS_LOG)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def received_sms(limit: int = 200) -> list[dict[str, Any]]:
    path = Path(settings.DEMO_SMS_LOG)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return list(reversed(entries))[:limit]
