"""Gateway intake throughput: signed dossiers over HTTP into gunicorn on PostgreSQL.

    .venv/bin/python bench/gateway_intake.py [--seconds 30] [--clients 8] [--workers 2]
        [--threads 2] [--dossiers 600] [--rows 60] [--processing queued|inline|both]
        [--keep-db]

What it does, in one run:
1. creates a scratch PostgreSQL database (`createdb -h 127.0.0.1 -U postgres`, trust auth)
   and migrates it; builds the demo PKI in a temporary folder;
2. connects I-VAN 00110 (MISA, the demo `ivan-misa` certificate) and registers three demo
   units under three agencies (Hà Nội 01001, TP.HCM 79001, Cần Thơ 92001), each with an
   ACTIVE e-service registration with that I-VAN (rows written directly: the eligibility port
   is answered by the registrations app's real check inside the server);
3. pre-builds N signed 600 dossiers (one signed D02-TS form of `--rows` employees each) and,
   just before the run, their signed requests (distinct message ids);
4. measures the bare verify-only rate in this process (`verify_xml` of the same envelopes
   with a cached validator, single-threaded), scaled to min(workers, cores), and the rate
   of the signature work every intake must do (request signature, envelope, receipt
   signature) with no HTTP and no database: the ceiling of the ratio on this machine;
5. starts the agency under gunicorn (`--workers` gthread workers, `--threads` each) with
   `TASKS_BACKEND` = the database queue (processing queued, no worker running: intake only)
   or the immediate backend (processing inline, in the request after commit);
6. submits the dossiers from `--clients` threads until all are answered or `--seconds` pass,
   while sampling `pg_stat_activity` for lock waits (sequence row vs audit chain head);
7. prints accepted dossiers/s, p50/p99 time to receipt, the ratio to the verify rate, and
   checks the database: submitted = stored, numbers unique, every sequence gap-free.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))  # tests.dossiers.support builds the signed dossiers

UNITS = {"sao-mai-vnpt": "01001", "sao-mai-hcm": "79001", "song-hau": "92001"}
IVAN_CODE = "00110"
TARGET = 0.5
QUEUED = "django_tasks_db.DatabaseBackend"
INLINE = "django_tasks.backends.immediate.ImmediateBackend"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class Request:
    message_id: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    status: int
    seconds: float


@dataclass
class RunResult:
    mode: str
    outcomes: list[Outcome]
    wall: float
    waits: Counter[str]
    samples: int
    server_cpu: float  # gunicorn workers, seconds
    database_cpu: float  # PostgreSQL backends of the scratch database, seconds


def setup_rows(pki) -> None:
    """The I-VAN connection, units, and their active registrations with that I-VAN."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from django.utils import timezone
    from tests.dossiers.support import DEMO_UNITS

    from ebhxh.agency.registry.models import IvanConnection, Unit
    from ebhxh.pki.loading import fingerprint_sha256

    certificate = pki.certificate("ivan-misa")
    ivan = IvanConnection.objects.create(
        provider_id=IVAN_CODE,
        certificate_pem=certificate.public_bytes(Encoding.PEM).decode(),
        certificate_fingerprint=fingerprint_sha256(certificate),
    )
    try:
        from ebhxh.agency.registrations.models import EserviceRegistration
    except ImportError as error:
        raise SystemExit(
            f"registrations app not importable ({error}); cannot register units"
        ) from None
    for slug, agency in UNITS.items():
        unit_code, tax_code, name = DEMO_UNITS[slug]
        unit = Unit.objects.create(
            unit_code=unit_code,
            tax_code=tax_code,
            name=name,
            address="(bench)",
            province_id=agency[:2],
            managing_agency_id=agency,
        )
        unit_certificate = pki.certificate(slug)
        EserviceRegistration.objects.create(
            unit=unit,
            channel="ivan",
            ivan=ivan,
            contact_name="Bench",
            contact_email="bench@example.vn",
            contact_phone="0912345678",
            certificate_pem=unit_certificate.public_bytes(Encoding.PEM).decode(),
            certificate_fingerprint=fingerprint_sha256(unit_certificate),
            certificate_serial=format(unit_certificate.serial_number, "x"),
            certificate_subject=unit_certificate.subject.rfc4514_string(),
            status="active",
            activated_at=timezone.now(),
        )


def build_envelopes(pki, count: int, rows: int) -> list[bytes]:
    """`count` distinct signed dossiers, round-robin over the units."""
    from dataclasses import replace

    from tests.dossiers.support import DEMO_UNITS, business_envelope, d02_report, employee

    slugs = list(UNITS)
    envelopes = []
    for index in range(count):
        slug = slugs[index % len(slugs)]
        report = replace(
            d02_report(DEMO_UNITS[slug][0], rows=rows),
            employees=tuple(
                employee(n, salary=5_000_000 + index * 1000 + n) for n in range(1, rows + 1)
            ),
        )
        envelopes.append(business_envelope(pki, slug, report=report))
    return envelopes


def verify_rate(pki, envelopes: list[bytes], seconds: float) -> tuple[float, float]:
    """(verifications per second of wall time, CPU seconds per verification)."""
    from ebhxh.xmldsig import ENVELOPE, verify_xml

    validator = pki.validator()
    for envelope in envelopes[:10]:
        verify_xml(envelope, checker=validator, location=ENVELOPE)  # warm caches
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    for envelope in itertools.cycle(envelopes):
        verify_xml(envelope, checker=validator, location=ENVELOPE)
        done += 1
        if done % 20 == 0 and time.perf_counter() - started >= seconds:
            break
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done


def mandatory_rate(pki, requests: list[Request], seconds: float) -> tuple[float, float]:
    """The signature work no intake can skip, on one thread, with no HTTP and no database:
    verify the I-VAN's request signature, verify the envelope, sign the receipt. (rate, CPU
    seconds per dossier): the ceiling any implementation of the gateway has on this machine."""
    from datetime import UTC, datetime

    from tests.dossiers.support import signer

    from ebhxh.dossiers.receipt import RECEIPT, Receipt, build_receipt
    from ebhxh.dossiers.transport import body_sha256, verify_request
    from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml

    validator = pki.validator()
    agency = signer(pki, "bhxh-vn")
    ivan_certificate = pki.certificate("ivan-misa")

    def one(index: int, request: Request) -> None:
        now = datetime.now(UTC)
        verify_request(
            key=ivan_certificate,
            method="POST",
            path="/gateway/v1/dossiers",
            body=request.body,
            headers=request.headers,
            now=now,
        )
        verify_xml(request.body, checker=validator, location=ENVELOPE)
        receipt = Receipt(
            number=f"{index % 100000:05d}/2026/01001",
            message_id=request.message_id,
            ivan_code=IVAN_CODE,
            received_at=now,
            procedure_code="600",
            tax_code="0109234567",
            unit_code="TA0123K",
            agency_code="01001",
            agency_name="BHXH cơ sở Ba Đình",
            envelope_sha256=body_sha256(request.body),
        )
        sign_xml(build_receipt(receipt), agency, location=RECEIPT, self_check=False)

    for index, request in enumerate(requests[:10]):
        one(index, request)  # warm caches
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    for index, request in enumerate(itertools.cycle(requests)):
        one(index, request)
        done += 1
        if done % 20 == 0 and time.perf_counter() - started >= seconds:
            break
    return done / (time.perf_counter() - started), (time.process_time() - cpu) / done


def sign_requests(pki, requests: list[Request]) -> None:
    from tests.dossiers.support import signer

    from ebhxh.dossiers.transport import MESSAGE_ID_HEADER, sign_request

    ivan = signer(pki, "ivan-misa")
    for request in requests:
        request.headers = {
            "Content-Type": "application/xml",
            MESSAGE_ID_HEADER: request.message_id,
            **sign_request("POST", "/gateway/v1/dossiers", request.body, ivan, code=IVAN_CODE),
        }


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "ebhxh.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def post(connection: http.client.HTTPConnection, request: Request) -> int:
    connection.request("POST", "/gateway/v1/dossiers", body=request.body, headers=request.headers)
    response = connection.getresponse()
    response.read()
    if response.getheader("Connection", "").lower() == "close":
        connection.close()
    return response.status


def lock_sampler(dsn: str, database: str, stop: threading.Event, waits: Counter[str]) -> int:
    """Every 10 ms: which statements of this database's backends wait on a lock."""
    import psycopg

    samples = 0
    with psycopg.connect(dsn, autocommit=True) as connection:
        while not stop.is_set():
            rows = connection.execute(
                "SELECT wait_event_type, query FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'active'",
                (database,),
            ).fetchall()
            samples += 1
            for wait_type, query in rows:
                waits["active"] += 1
                if wait_type != "Lock":
                    continue
                if "audit_auditchainhead" in query:
                    waits["audit chain head"] += 1
                elif "gateway_dossiersequence" in query:
                    waits["dossier sequence"] += 1
                else:
                    waits["other lock"] += 1
            time.sleep(0.01)
    return samples


def load(
    port: int, requests: list[Request], clients: int, seconds: float, dsn: str, database: str
) -> tuple[list[Outcome], float, Counter[str], int]:
    outcomes: list[Outcome] = []
    pending = iter(requests)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                request = next(pending, None)
            if request is None:
                return
            started = time.perf_counter()
            try:
                status = post(connection, request)
            except (OSError, http.client.HTTPException):
                connection.close()
                status = post(connection, request)  # reconnect once (server closed keep-alive)
            with lock:
                outcomes.append(Outcome(status, time.perf_counter() - started))

    waits: Counter[str] = Counter()
    stop = threading.Event()
    samples: list[int] = []
    sampler = threading.Thread(
        target=lambda: samples.append(lock_sampler(dsn, database, stop, waits)), daemon=True
    )
    sampler.start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    return outcomes, wall, waits, samples[0] if samples else 0


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == parent:
                found.append(int(entry.name))
    return found


def backend_pids(dsn: str, database: str) -> list[int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return [row[0] for row in rows]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def check_database() -> list[str]:
    """Submitted = stored, unique numbers, gap-free sequences; returns the failures."""
    from django.db.models import Count, Max, Min

    from ebhxh.agency.gateway.models import Dossier, DossierSequence

    problems = []
    total = Dossier.objects.count()
    if Dossier.objects.values("number").distinct().count() != total:
        problems.append("duplicate dossier numbers")
    for group in Dossier.objects.values("agency_id", "year").annotate(
        n=Count("id"), low=Min("sequence"), high=Max("sequence")
    ):
        row = DossierSequence.objects.get(agency_id=group["agency_id"], year=group["year"])
        if not (group["low"] == 1 and group["high"] == group["n"] == row.last_value):
            problems.append(f"gap in {group['agency_id']}/{group['year']}: {group}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="cap per run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--dossiers", type=int, default=600)
    parser.add_argument("--rows", type=int, default=60, help="employees per D02-TS")
    parser.add_argument("--processing", choices=["queued", "inline", "both"], default="queued")
    parser.add_argument("--verify-seconds", type=float, default=3.0)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ebhxh-bench-"))
    database = f"ebhxh_bench_{os.getpid()}"
    dsn = f"postgres://postgres@127.0.0.1:5432/{database}"
    env = {
        **os.environ,
        "EBHXH_DEMO": "1",
        "EBHXH_VAR_DIR": str(workdir),
        "DATABASE_URL": dsn,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "DJANGO_SETTINGS_MODULE": "ebhxh.settings",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": QUEUED,
        "PYTHONPATH": str(ROOT / "src"),
    }
    os.environ.update(env)
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], env)
    server: subprocess.Popen | None = None
    try:
        started = time.perf_counter()
        run([str(VENV_BIN / "ebhxh"), "migrate", "--noinput"], env)
        print(f"scratch database {database} migrated in {time.perf_counter() - started:.0f} s")
        import django

        django.setup()
        from ebhxh.pki.demo import build_demo_pki

        pki = build_demo_pki(workdir / "demo" / "pki")
        setup_rows(pki)
        started = time.perf_counter()
        envelopes = build_envelopes(pki, args.dossiers, args.rows)
        sizes = [len(envelope) for envelope in envelopes]
        took = time.perf_counter() - started
        print(
            f"built {len(envelopes)} signed dossiers ({args.rows} employees, "
            f"{statistics.mean(sizes) / 1024:.1f} KiB each) in {took:.1f} s"
        )
        cores = os.cpu_count() or 1
        single, verify_cpu = verify_rate(pki, envelopes, args.verify_seconds)
        parallel = single * min(args.workers, cores)
        probe = [Request(f"probe-{i:06d}", body) for i, body in enumerate(envelopes[:100])]
        sign_requests(pki, probe)
        floor_single, floor_cpu = mandatory_rate(pki, probe, args.verify_seconds)
        modes = ["queued", "inline"] if args.processing == "both" else [args.processing]
        results: list[RunResult] = []
        for mode in modes:
            requests = [Request(f"{mode}-{i:06d}", body) for i, body in enumerate(envelopes)]
            warmup = [Request(f"{mode}-warm-{i}", body) for i, body in enumerate(envelopes[:12])]
            sign_requests(pki, warmup + requests)
            port = free_port()
            server_env = {**env, "TASKS_BACKEND": QUEUED if mode == "queued" else INLINE}
            server = start_server(server_env, port, args.workers, args.threads)
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for request in warmup:  # every worker builds its validator and opens its signer
                status = post(warm, request)
                if status != 201:
                    raise SystemExit(f"warm-up answered {status}")
            workers = children(server.pid)
            backends = backend_pids(dsn, database)
            before = {pid: cpu_seconds(pid) for pid in workers + backends}
            outcomes, wall, waits, samples = load(
                port, requests, args.clients, args.seconds, dsn, database
            )
            backends = set(backends) | set(backend_pids(dsn, database))
            spent = {pid: cpu_seconds(pid) - before.get(pid, 0.0) for pid in {*workers, *backends}}
            server.terminate()
            server.wait(30)
            server = None
            results.append(
                RunResult(
                    mode,
                    outcomes,
                    wall,
                    waits,
                    samples,
                    server_cpu=sum(spent[pid] for pid in workers),
                    database_cpu=sum(spent[pid] for pid in backends),
                )
            )

        print()
        print("== ebhxh gateway intake ==")
        print(
            f"machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the end; "
            f"gunicorn {args.workers} gthread workers x {args.threads} threads; "
            f"{args.clients} client threads; PostgreSQL on 127.0.0.1"
        )
        print(
            f"verify-only (verify_xml, cached validator): {single:,.0f}/s on 1 thread, "
            f"x{min(args.workers, cores)} = {parallel:,.0f}/s; {verify_cpu * 1000:.2f} ms CPU each"
        )
        print(
            "mandatory signature work (request signature + envelope + receipt signature, "
            f"no HTTP, no database): {floor_single:,.0f}/s on 1 thread, "
            f"{floor_cpu * 1000:.2f} ms CPU each; so no gateway could exceed ratio "
            f"{floor_single / single:.2f} on this machine, against the {TARGET} target"
        )
        failures = check_database()
        for result in results:
            created = [o for o in result.outcomes if o.status == 201]
            other = Counter(o.status for o in result.outcomes if o.status != 201)
            rate = len(created) / result.wall
            latencies = [o.seconds * 1000 for o in created] or [0.0]
            print(f"-- processing {result.mode} --")
            print(
                f"accepted {len(created)} of {len(result.outcomes)} answered in "
                f"{result.wall:.1f} s: {rate:,.1f} dossiers/s"
                + (f"  (other answers: {dict(other)})" if other else "")
            )
            print(
                f"time to receipt: p50 {percentile(latencies, 0.5):.1f} ms, "
                f"p99 {percentile(latencies, 0.99):.1f} ms"
            )
            ratio = rate / parallel
            verdict = "meets" if ratio >= TARGET else "below"
            print(f"ratio to verify-only: {ratio:.2f} ({verdict} the {TARGET} target)")
            if created:
                server_ms = result.server_cpu / len(created) * 1000
                database_ms = result.database_cpu / len(created) * 1000
                print(
                    f"CPU per accepted dossier: gunicorn {server_ms:.2f} ms + PostgreSQL "
                    f"{database_ms:.2f} ms = {server_ms + database_ms:.2f} ms "
                    f"(verify alone {verify_cpu * 1000:.2f} ms); CPU-bound on {cores} cores: "
                    f"{cores / (server_ms + database_ms) * 1000:,.0f} dossiers/s, ratio "
                    f"{verify_cpu * 1000 / (server_ms + database_ms):.2f}"
                )
            if result.samples:
                mean = {key: value / result.samples for key, value in result.waits.items()}
                print(
                    "backends busy on average: "
                    f"{mean.get('active', 0):.2f}; waiting on the audit chain head "
                    f"{mean.get('audit chain head', 0):.2f}, on a dossier sequence row "
                    f"{mean.get('dossier sequence', 0):.2f}, other locks "
                    f"{mean.get('other lock', 0):.2f} ({result.samples} samples)"
                )
        from ebhxh.agency.gateway.models import Dossier

        submitted = sum(
            1 for result in results for o in result.outcomes if o.status in (200, 201)
        ) + 12 * len(results)
        stored = Dossier.objects.count()
        print(
            f"database: submitted {submitted}, stored {stored}; "
            + ("numbers unique, sequences gap-free" if not failures else "; ".join(failures))
        )
        if stored != submitted:
            failures.append("submitted != stored")
        return 1 if failures else 0
    finally:
        if server is not None:
            server.terminate()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database], env)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
