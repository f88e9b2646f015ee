"""`ebhxh demo`: every role in one place on SQLite, with its own SMTP server and SMS sink.

Runs migrations and demo data, then supervises the web server, a task worker and the
scheduler as child processes (restarting the worker and scheduler if they die), and an
aiosmtpd server in this process that writes every received email to a Maildir.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ebhxh.demo.data import DEMO_ADMIN, load_all
from ebhxh.demo.pki import demo_pki
from ebhxh.demo.token import TOKEN_LABEL, TOKEN_PIN, ensure_demo_token

AGENT_PORT = 8765


class Command(BaseCommand):
    help = "Chạy bản trình diễn: mọi vai trò, SQLite, hộp thư email/SMS trình diễn."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--smtp-port", type=int, default=1025)
        parser.add_argument(
            "--prepare-only", action="store_true", help="chỉ migrate và nạp dữ liệu rồi thoát"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Đặt EBHXH_DEMO=1 (hoặc chạy `make demo`) để dùng bản trình diễn.")
        self.stdout.write("Đang chuẩn bị cơ sở dữ liệu…")
        call_command("migrate", interactive=False, verbosity=0)
        load_all(log=self.stdout.write)
        pki = demo_pki()
        token_config = ensure_demo_token(pki, log=self.stdout.write) if pki else None
        if options["prepare_only"]:
            return
        base = f"http://{options['host']}:{options['port']}"
        # The children (web, worker, scheduler) deliver through the demo's own sinks, on the
        # ports this command was given; explicit settings in the environment still win.
        os.environ.setdefault("EMAIL_URL", f"smtp://127.0.0.1:{options['smtp_port']}")
        os.environ.setdefault("SMS_GATEWAY_URL", f"{base}/demo/sms-gateway/")
        controller = self._start_smtp(options["smtp_port"])
        children = {
            "web": [
                sys.executable,
                "-m",
                "ebhxh",
                "runserver",
                "--noreload",
                "--nostatic",
                f"{options['host']}:{options['port']}",
            ],
            "worker": [sys.executable, "-m", "ebhxh", "worker", "--interval", "0.5"],
            "scheduler": [sys.executable, "-m", "ebhxh", "scheduler"],
        }
        if token_config is not None:
            # The helper a unit runs on its PC, here beside the demo with the demo token.
            children["signer-agent"] = [
                sys.executable, "-m", "ebhxh", "signer-agent", "--port", str(AGENT_PORT),
                "--allow-origin", f"http://127.0.0.1:{options['port']}",
                "--allow-origin", f"http://localhost:{options['port']}",
            ]  # fmt: skip
        procs = {name: subprocess.Popen(cmd) for name, cmd in children.items()}  # noqa: S603
        self._banner(base, with_token=token_config is not None)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        try:
            while not stopping:
                time.sleep(0.5)
                for name, proc in list(procs.items()):
                    if proc.poll() is None:
                        continue
                    if name == "web":
                        self.stderr.write("Máy chủ web đã dừng; đang tắt bản trình diễn.")
                        stopping = True
                        break
                    self.stderr.write(
                        f"Tiến trình {name} đã dừng (mã {proc.returncode}); khởi động lại."
                    )
                    procs[name] = subprocess.Popen(children[name])  # noqa: S603
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            controller.stop()
            self.stdout.write("Đã dừng bản trình diễn.")

    def _start_smtp(self, port: int) -> Any:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        settings.DEMO_MAILDIR.parent.mkdir(parents=True, exist_ok=True)
        controller = Controller(Mailbox(settings.DEMO_MAILDIR), hostname="127.0.0.1", port=port)
        controller.start()
        return controller

    def _banner(self, base: str, *, with_token: bool) -> None:
        user, password = DEMO_ADMIN
        lines = [
            "",
            "Bản trình diễn ebhxh đang chạy:",
            f"  Trang chủ             {base}/",
            f"  Cổng dịch vụ công     {base}/portal/",
            f"  I-VAN                 {base}/ivan/",
            f"  eSign                 {base}/esign/",
            f"  Cán bộ BHXH           {base}/officer/",
            f"  Hộp thư trình diễn    {base}/demo/mailbox/",
            f"  Quản trị              {base}/admin/  ({user} / {password})",
            f"  Chứng thư số demo     {base}/demo/chung-thu-so/",
            f"  Dữ liệu               {settings.VAR_DIR}",
            *(
                [
                    f"  Ký bằng USB Token     {base}/demo/ky-thu-usb-token/",
                    f"    token {TOKEN_LABEL}, PIN {TOKEN_PIN}; ứng dụng ký số tại "
                    f"http://127.0.0.1:{AGENT_PORT}, mã ghép nối hiện ở cửa sổ này",
                ]
                if with_token
                else []
            ),
            "Nhấn Ctrl+C để dừng.",
            "",
        ]
        self.stdout.write("\n".join(lines))
