"""Seed 003's 15-minute promise under a burst: signed Mẫu 01 registrations, from submission to
the decision's SMS leaving the outbox.

    .venv/bin/python bench/registration_sla.py [--count 1000] [--workers 2] [--submitters 2]
        [--server postgres://postgres@127.0.0.1:5432] [--timeout 1800] [--keep]

What it does, all on this machine:
1. creates a scratch PostgreSQL database `ebhxh_sla_<pid>` on --server and migrates it
   (dropped at the end unless --keep);
2. builds the demo PKI in a temporary folder and issues --count more individual certificates
   (UID=CCCD:…) from its VNPT-CA (DEMO), one per person, and puts each person in the registry
   (half with an email address, so both the email and the SMS path run);
3. pre-signs one Mẫu 01 per person (software keys: signing is the person's PC, not the
   agency's cost);
4. starts a loopback SMS gateway (HTTP) and a loopback SMTP server, and --workers real task
   worker processes (`ebhxh worker`, django-tasks' database queue);
5. submits every form through `registration_submit_signed` from --submitters threads as fast
   as they go (signature and chain verified, tracking number, decision task enqueued), then
   waits until every decision's SMS is marked sent;
6. prints p50/p99/max of (SMS `sent_at` - registration `submitted_at`), the submission rate
   and the end-to-end throughput.

Passwords are hashed with the production hasher (PBKDF2, Django's default iterations): it is
the largest single cost of an acceptance, and the figure would flatter without it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Quang", "Bảo"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hương",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Yến",
]


class SmsSink:
    """A loopback HTTP endpoint answering like an SMS gateway; counts what it receives."""

    def __init__(self) -> None:
        self.received = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.received += 1
                    number = sink.received
                body = json.dumps({"id": f"bench-{number}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def smtp_sink() -> tuple[Any, int]:
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def admin_execute(server: str, sql: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def citizen_id(index: int, birth_year: int, female: bool) -> str:
    digit = (birth_year - 1900) // 100 * 2 + int(female)
    return f"001{digit}{birth_year % 100:02d}{index:06d}"


def people(count: int) -> list[dict[str, Any]]:
    from datetime import date

    rows = []
    for index in range(count):
        year = 1960 + index % 45
        female = index % 2 == 1
        middle = "Thị" if female else MIDDLE[index % len(MIDDLE)]
        rows.append(
            {
                "full_name": f"{FAMILY[index % len(FAMILY)]} {middle} "
                f"{GIVEN[(index // 3) % len(GIVEN)]}",
                "birth_date": date(year, 1 + index % 12, 1 + index % 28),
                "gender": "female" if female else "male",
                "citizen_id": citizen_id(index, year, female),
                "insurance_number": f"9{index:09d}",
                "phone": f"091{index:07d}",
                "email": f"nguoi{index}@bench.example.vn" if index % 2 == 0 else "",
                "address": "Số 1 đường Thử Tải, Phường Ba Đình, Hà Nội",
            }
        )
    return rows


def issue_certificates(pki: Any, rows: list[dict[str, Any]]) -> tuple[Any, list[Any]]:
    """One certificate per person from the demo VNPT-CA, all on one RSA key (key generation
    is not what is measured); the same extensions as the demo PKI's holders."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

    from ebhxh.pki.demo import SIGNING_USAGE, crl_url, ocsp_url

    ca_cert, ca_key = pki.certificate("vnpt-ca"), pki.private_key("vnpt-ca")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    certificates = []
    for row in rows:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{row['full_name']} (DEMO)"),
                x509.NameAttribute(NameOID.USER_ID, f"CCCD:{row['citizen_id']}"),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(crl_url("vnpt-ca"))], None, None, None
                        )
                    ]
                ),
                False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), False)
            .add_extension(SIGNING_USAGE, True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
                ),
                False,
            )
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(ocsp_url("vnpt-ca")),
                        )
                    ]
                ),
                False,
            )
        )
        certificates.append(builder.sign(ca_key, hashes.SHA256()))
    return key, certificates


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--submitters", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    database = f"ebhxh_sla_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="ebhxh-sla-"))
    sms = SmsSink()
    smtp, smtp_port = smtp_sink()
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{database}",
        "DATABASE_CONN_MAX_AGE": "0",
        "EBHXH_DEMO": "1",
        "EBHXH_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": "bench-registration-sla",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SMS_GATEWAY_URL": sms.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "ebhxh.settings",
    }
    os.environ.update(env)
    admin_execute(args.server, f'CREATE DATABASE "{database}"')
    workers: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from ebhxh.agency.portal.declaration import validate_declaration
        from ebhxh.agency.portal.mau01 import LOCATION, build_mau01
        from ebhxh.agency.portal.models import IndividualRegistration, RegistrationStatus
        from ebhxh.agency.portal.services import registration_submit_signed
        from ebhxh.agency.registry.models import InsuredPerson
        from ebhxh.notifications.models import Channel, MessageStatus, OutboxMessage
        from ebhxh.pki.demo import build_demo_pki
        from ebhxh.signers.software import Pkcs12Signer
        from ebhxh.vntime import VIETNAM_TZ
        from ebhxh.xmldsig import sign_xml

        print(f"Scratch database {database}; migrating…", flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        pki = build_demo_pki(Path(settings.DEMO_PKI_DIR))
        rows = people(args.count)
        started = time.perf_counter()
        key, certificates = issue_certificates(pki, rows)
        InsuredPerson.objects.bulk_create(
            InsuredPerson(
                **{
                    k: row[k]
                    for k in (
                        "insurance_number",
                        "citizen_id",
                        "full_name",
                        "birth_date",
                        "gender",
                        "phone",
                    )
                }
            )
            for row in rows
        )
        chain = pki.chain("nguyen-thi-huong")  # VNPT-CA (DEMO), the bench certificates' issuer
        moment = datetime.now(VIETNAM_TZ).replace(microsecond=0)
        signed = [
            sign_xml(
                build_mau01(
                    validate_declaration({**row, "birth_date": row["birth_date"].isoformat()}),
                    created_at=moment,
                ),
                Pkcs12Signer(key, certificate, chain),
                location=LOCATION,
                signing_time=moment,
            )
            for row, certificate in zip(rows, certificates, strict=True)
        ]
        print(
            f"{args.count} people, certificates and signed forms ready in "
            f"{time.perf_counter() - started:.1f} s; starting {args.workers} workers…",
            flush=True,
        )
        log = (workdir / "workers.log").open("wb")
        for number in range(args.workers):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "ebhxh",
                        "worker",
                        "--interval",
                        "0.05",
                        "--no-startup-delay",
                        "--worker-id",
                        f"bench-{number}",
                    ],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        time.sleep(2.0)  # let the workers start before the burst

        def submit(xml: bytes) -> None:
            registration_submit_signed(signed_xml=xml)

        burst_start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.submitters) as pool:
            list(pool.map(submit, signed))
        burst_seconds = time.perf_counter() - burst_start
        print(
            f"Submitted {args.count} in {burst_seconds:.1f} s "
            f"({args.count / burst_seconds:.1f}/s); waiting for the SMS…",
            flush=True,
        )

        deadline = time.monotonic() + args.timeout
        related = IndividualRegistration._meta.label_lower
        sms_of_decisions = OutboxMessage.objects.filter(
            related_type=related,
            channel=Channel.SMS,
            template__in=["portal_registration_accepted", "portal_registration_refused"],
        )
        while time.monotonic() < deadline:
            sent = sms_of_decisions.filter(status=MessageStatus.SENT).count()
            if sent >= args.count:
                break
            time.sleep(1.0)
        else:
            print("Timed out before every SMS was sent.", flush=True)
        submitted = dict(IndividualRegistration.objects.values_list("pk", "submitted_at"))
        latencies = [
            (sent_at - submitted[int(pk)]).total_seconds()
            for pk, sent_at in sms_of_decisions.filter(status=MessageStatus.SENT).values_list(
                "related_id", "sent_at"
            )
        ]
        statuses = dict(
            (status, IndividualRegistration.objects.filter(status=status).count())
            for status in (
                RegistrationStatus.ACCEPTED,
                RegistrationStatus.REFUSED,
                RegistrationStatus.SUBMITTED,
            )
        )
        first = min(submitted.values())
        last_sent = max(
            sms_of_decisions.filter(status=MessageStatus.SENT).values_list("sent_at", flat=True)
        )
        span = (last_sent - first).total_seconds()
        emails = OutboxMessage.objects.filter(
            channel=Channel.EMAIL, status=MessageStatus.SENT
        ).count()
        print()
        print(
            f"registrations: {args.count}  workers: {args.workers}  submitters: "
            f"{args.submitters}  database: PostgreSQL {connection.pg_version}"
        )
        print(
            f"decided: accepted {statuses[RegistrationStatus.ACCEPTED]}, refused "
            f"{statuses[RegistrationStatus.REFUSED]}, still open "
            f"{statuses[RegistrationStatus.SUBMITTED]}; SMS sent {len(latencies)} "
            f"(gateway received {sms.received}), emails sent {emails}"
        )
        if latencies:
            print(
                f"submission -> SMS sent: p50 {statistics.median(latencies):.1f} s, "
                f"p99 {percentile(latencies, 0.99):.1f} s, max {max(latencies):.1f} s "
                f"(SLA 900 s: {'met' if max(latencies) <= 900 else 'MISSED'})"
            )
            print(
                f"throughput: {len(latencies) / span:.1f} registrations/s end to end "
                f"({span:.1f} s from first submission to last SMS); submission "
                f"{args.count / burst_seconds:.1f}/s"
            )
        connection.close()
        return 0 if len(latencies) == args.count else 1
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        sms.stop()
        smtp.stop()
        if not args.keep:
            admin_execute(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
