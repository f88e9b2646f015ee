"""Demo data: each app may ship a `demo_data` module with `load(*, log)`; the demo runs them all.

Discovery by module name keeps apps free of imports of this package (and so of each other).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.demo.pki import ensure_demo_pki
from ebhxh.notifications.services import queue_email, queue_sms

DEMO_ADMIN = ("admin", "ebhxh-demo")
DEMO_INBOX = "demo@ebhxh.local"
DEMO_PHONE = "0912345678"


def load_all(*, log: Callable[[str], None]) -> None:
    ensure_demo_pki(log=log)
    _load_platform(log=log)
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_data"
        if config.name.startswith("ebhxh.") and importlib.util.find_spec(name):
            importlib.import_module(name).load(log=log)


def _load_platform(*, log: Callable[[str], None]) -> None:
    """An administrator, and a first email and SMS so the mailbox shows the real paths work."""
    User = get_user_model()
    username, password = DEMO_ADMIN
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            return
        admin = User.objects.create_superuser(username, "admin@ebhxh.local", password)
        audit_record(actor=SYSTEM_ACTOR, action="demo.admin_created", target=admin)
        ctx = {"requested_by": "bản trình diễn", "requested_at": timezone.now(), "sequence": 0}
        queue_email(to=DEMO_INBOX, template="test_message", context=ctx)
        queue_sms(to=DEMO_PHONE, template="test_message", context=ctx)
    log(f"Đã tạo tài khoản quản trị {username} / {password}")
