"""Service rules: the state machine, expiry (touched and swept), audit, keys at rest, and
the locks that stop double counting and double use (PostgreSQL, where rows really lock)."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.db import connection
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import IllegalTransition
from ebhxh.esign import keystore, services
from ebhxh.esign.errors import KeyUnavailable, RequestExpired, SadUsed
from ebhxh.esign.models import SIGNING_REQUEST_TRANSITIONS, HolderAccount, SigningRequest
from ebhxh.esign.services import RSA_ENCRYPTION_OID, SHA256_OID
from ebhxh.esign.tasks import expire_signing_requests
from ebhxh.jobs import periodic
from ebhxh.pki.demo import DemoPki
from tests.esign.support import PIN, SAO_MAI_NAME, credential_of

DIGEST = hashlib.sha256(b"Hoso").digest()


def _request(holder: HolderAccount, procedure: str = "600") -> SigningRequest:
    return services.signing_request_create(
        holder=holder,
        credential_id=credential_of(holder, "sao-mai-vnpt").credential_id,
        hashes=[DIGEST],
        hash_algorithm_oid=SHA256_OID,
        num_signatures=1,
        procedure_code=procedure,
        unit_name=SAO_MAI_NAME,
    )


def _confirmed_sad(holder: HolderAccount) -> tuple[SigningRequest, str]:
    request = _request(holder, "04/ĐK-IVAN")
    services.device_confirm(holder=holder, request_id=str(request.public_id), pin=PIN)
    state = services.signing_request_check(
        holder=holder,
        credential_id=request.credential.credential_id,
        request_id=str(request.public_id),
    )
    assert state.sad is not None
    return request, state.sad


def _sign(holder: HolderAccount, request: SigningRequest, sad: str) -> list[bytes]:
    return services.signatures_sign_hash(
        holder=holder,
        credential_id=request.credential.credential_id,
        sad=sad,
        hashes=[DIGEST],
        hash_algorithm_oid=SHA256_OID,
        sign_algo=RSA_ENCRYPTION_OID,
    )


def test_the_transition_table_is_the_documented_one() -> None:
    assert SIGNING_REQUEST_TRANSITIONS.allowed("pending") == {"confirmed", "denied", "expired"}
    assert SIGNING_REQUEST_TRANSITIONS.allowed("confirmed") == {"used", "expired"}
    for final in ("used", "denied", "expired"):
        assert SIGNING_REQUEST_TRANSITIONS.allowed(final) == frozenset()
    with pytest.raises(IllegalTransition) as caught:
        SIGNING_REQUEST_TRANSITIONS.check("denied", "confirmed")
    assert caught.value.code == "SIGNING_REQUEST_ILLEGAL_TRANSITION"


@pytest.mark.django_db
def test_a_request_past_its_deadline_expires_when_touched(saomai: HolderAccount) -> None:
    request = _request(saomai)
    SigningRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(RequestExpired):
        services.device_confirm(holder=saomai, request_id=str(request.public_id), pin=PIN)
    request.refresh_from_db()
    assert (request.status, request.confirmations_received) == ("expired", 0)
    assert AuditRecord.objects.filter(action="esign.request_expired").count() == 1


@pytest.mark.django_db
def test_the_periodic_job_expires_untouched_requests(saomai: HolderAccount) -> None:
    assert any(job.task is expire_signing_requests for job in periodic.registered())
    keys = {job.key for job in periodic.registered()}
    assert "esign.expire_signing_requests" in keys
    overdue = _request(saomai)
    lapsed, _sad = _confirmed_sad(saomai)
    fresh = _request(saomai)
    SigningRequest.objects.filter(pk=overdue.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    SigningRequest.objects.filter(pk=lapsed.pk).update(
        sad_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert expire_signing_requests.call() == 2
    statuses = dict(SigningRequest.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: "expired", lapsed.pk: "expired", fresh.pk: "pending"}
    assert services.expire_due_requests() == 0


@pytest.mark.django_db
def test_every_step_is_audited(saomai: HolderAccount) -> None:
    request, sad = _confirmed_sad(saomai)
    _sign(saomai, request, sad)
    actions = list(
        AuditRecord.objects.filter(object_type="esign.signingrequest", object_id=str(request.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "esign.request_created",
        "esign.request_confirmed",
        "esign.sad_issued",
        "esign.signed",
    ]
    created = AuditRecord.objects.get(action="esign.request_created")
    assert created.data["hashes"] == [DIGEST.hex()] and created.actor.endswith(":saomai")


@pytest.mark.django_db
def test_keys_are_sealed_at_rest_and_bound_to_their_credential(
    saomai: HolderAccount, demo_pki: DemoPki, settings
) -> None:
    vnpt = credential_of(saomai, "sao-mai-vnpt")
    viettel = credential_of(saomai, "sao-mai-viettel")
    der = demo_pki.private_key("sao-mai-vnpt").private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    sealed = bytes(vnpt.encrypted_key or b"")
    assert der not in sealed and der[40:80] not in sealed
    assert vnpt.key_encryption_key_id == keystore.key_encryption_key_id()
    [signature] = keystore.sign_digests(vnpt, [DIGEST])
    demo_pki.certificate("sao-mai-vnpt").public_key().verify(  # type: ignore[union-attr]
        signature, DIGEST, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
    )
    viettel.encrypted_key = vnpt.encrypted_key  # a sealed key moved to another row
    with pytest.raises(KeyUnavailable):
        keystore.sign_digests(viettel, [DIGEST])
    settings.ESIGN_KEY_ENCRYPTION_KEY = base64.b64encode(b"k" * 32).decode()
    with pytest.raises(KeyUnavailable):
        keystore.sign_digests(vnpt, [DIGEST])


# --- concurrency (PostgreSQL) -------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="row locks need PostgreSQL; SQLite serialises writers and its test database is "
    "one shared in-memory connection",
)


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start the calls together, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _slow(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Widen the window between reading a row and writing it, where a lost lock would show."""
    original = getattr(services, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, name, slow)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_count_once_each(
    saomai: HolderAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = _request(saomai, "600")
    _slow(monkeypatch, "_record_confirmation")
    request_id = str(request.public_id)
    results = _race(
        [lambda: services.device_confirm(holder=saomai, request_id=request_id, pin=PIN)] * 2
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    request.refresh_from_db()
    assert (request.status, request.confirmations_received) == ("confirmed", 2)
    assert sorted(request.confirmations.values_list("sequence", flat=True)) == [1, 2]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sad_cannot_be_used_twice_at_once(
    saomai: HolderAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    request, sad = _confirmed_sad(saomai)
    _slow(monkeypatch, "_sign")
    results = _race([lambda: _sign(saomai, request, sad)] * 2)
    signed = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, SadUsed)]
    assert (len(signed), len(refused)) == (1, 1), results
    request.refresh_from_db()
    assert request.status == "used"
    assert AuditRecord.objects.filter(action="esign.signed").count() == 1
