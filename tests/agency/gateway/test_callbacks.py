"""Signed callbacks to the I-VAN, against a real HTTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from ebhxh.agency.gateway import callbacks, services
from ebhxh.agency.gateway.models import CallbackDelivery, CallbackStatus
from ebhxh.audit.models import AuditRecord
from ebhxh.dossiers.transport import AGENCY_PREFIX, verify_request
from ebhxh.pki.loading import fingerprint_sha256
from tests.agency.gateway.factories import connect_ivan
from tests.agency.gateway.sink import CallbackSink
from tests.dossiers.support import business_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink() -> Iterator[CallbackSink]:
    server = CallbackSink().start()
    yield server
    server.stop()


@pytest.fixture
def misa_with_callback(db, demo_pki, sink):
    return connect_ivan(demo_pki, "00110", callback_url=sink.url)


def make_due(delivery: CallbackDelivery) -> None:
    CallbackDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def accept_one(ivan, demo_pki, capture) -> None:
    """Receive and process a dossier; processing concludes it and schedules one callback,
    whose first attempt runs after the processing transaction commits."""
    dossier = services.dossier_receive(
        ivan=ivan, message_id="M-1", envelope=business_envelope(demo_pki, "sao-mai-vnpt")
    ).dossier
    with capture(execute=True):
        services.dossier_process(dossier_id=dossier.pk)


def test_failures_then_success_with_a_verifiable_signature(
    misa_with_callback, sao_mai, eligible, demo_pki, sink, django_capture_on_commit_callbacks
) -> None:
    sink.statuses = [500, 503]
    accept_one(misa_with_callback, demo_pki, django_capture_on_commit_callbacks)
    delivery = CallbackDelivery.objects.get()
    assert delivery.status == CallbackStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error == "HTTPStatusError: HTTP 500"
    assert delivery.next_attempt_at > timezone.now()
    assert callbacks.deliver(delivery_id=delivery.pk) is None  # not due yet

    make_due(delivery)
    assert callbacks.deliver(delivery_id=delivery.pk) == CallbackStatus.PENDING
    make_due(delivery)
    assert callbacks.deliver(delivery_id=delivery.pk) == CallbackStatus.DELIVERED
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error) == (3, "")
    assert delivery.delivered_at is not None

    assert len(sink.received) == 3
    first, last = sink.received[0], sink.received[-1]
    assert first.body == last.body  # the same payload on every attempt
    assert first.headers["X-BHXH-Delivery"] == last.headers["X-BHXH-Delivery"]
    assert first.headers["X-BHXH-Nonce"] != last.headers["X-BHXH-Nonce"]  # signed afresh
    # The I-VAN's side: verify with the agency certificate it knows.
    agency_certificate = demo_pki.certificate("bhxh-vn")
    assert last.headers["X-BHXH-Certificate"] == fingerprint_sha256(agency_certificate)
    assert last.path == "/bhxh/callback?src=gateway"
    verify_request(
        key=agency_certificate,
        method=last.method,
        path=last.path,
        body=last.body,
        headers=last.headers,
        prefix=AGENCY_PREFIX,
    )
    payload = json.loads(last.body)
    assert payload["type"] == "dossier.status"
    assert payload["delivery_id"] == str(delivery.public_id)
    assert payload["dossier"]["status"] == "accepted"
    assert payload["dossier"]["message_id"] == "M-1"
    assert [event["status"] for event in payload["dossier"]["events"]] == ["received", "accepted"]
    assert AuditRecord.objects.filter(
        action="gateway.callback_delivered", object_id=str(delivery.pk)
    ).exists()


def test_tampered_callback_does_not_verify(
    misa_with_callback, sao_mai, eligible, demo_pki, sink, django_capture_on_commit_callbacks
) -> None:
    from ebhxh.dossiers.transport import RequestSignatureError

    accept_one(misa_with_callback, demo_pki, django_capture_on_commit_callbacks)
    (received,) = sink.received
    with pytest.raises(RequestSignatureError):
        verify_request(
            key=demo_pki.certificate("bhxh-vn"),
            method="POST",
            path=received.path,
            body=received.body.replace(b"accepted", b"rejected"),
            headers=received.headers,
            prefix=AGENCY_PREFIX,
        )


def test_no_callback_without_a_url(
    misa, sao_mai, eligible, demo_pki, sink, django_capture_on_commit_callbacks
) -> None:
    accept_one(misa, demo_pki, django_capture_on_commit_callbacks)
    assert CallbackDelivery.objects.count() == 0
    assert sink.received == []


def test_gives_up_after_max_attempts(
    misa_with_callback,
    sao_mai,
    eligible,
    demo_pki,
    sink,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.GATEWAY_CALLBACK_MAX_ATTEMPTS = 2
    sink.statuses = [500, 500, 500]
    accept_one(misa_with_callback, demo_pki, django_capture_on_commit_callbacks)
    delivery = CallbackDelivery.objects.get()
    make_due(delivery)
    assert callbacks.deliver(delivery_id=delivery.pk) == CallbackStatus.FAILED
    make_due(delivery)
    assert callbacks.deliver(delivery_id=delivery.pk) is None
    assert len(sink.received) == 2
    assert AuditRecord.objects.filter(action="gateway.callback_failed").exists()


def test_unreachable_endpoint_is_retried(
    db, sao_mai, eligible, demo_pki, django_capture_on_commit_callbacks
) -> None:
    stopped = CallbackSink()
    url = stopped.url
    stopped.server.server_close()  # nothing listens there now
    ivan = connect_ivan(demo_pki, "00110", callback_url=url)
    accept_one(ivan, demo_pki, django_capture_on_commit_callbacks)
    delivery = CallbackDelivery.objects.get()
    assert delivery.status == CallbackStatus.PENDING
    assert delivery.last_error.startswith("ConnectError")


def test_a_live_lease_is_never_claimed_twice(
    misa_with_callback, sao_mai, eligible, demo_pki, sink, django_capture_on_commit_callbacks
) -> None:
    sink.statuses = [500]
    accept_one(misa_with_callback, demo_pki, django_capture_on_commit_callbacks)
    delivery = CallbackDelivery.objects.get()
    make_due(delivery)
    first = callbacks._claim(delivery.pk, timezone.now())
    assert first is not None and first.status == CallbackStatus.SENDING
    assert callbacks._claim(delivery.pk, timezone.now()) is None  # another worker: no
    assert callbacks.deliver(delivery_id=delivery.pk) is None
    # the first worker died: once its lease runs out another worker may take the row
    later = timezone.now() + timedelta(seconds=61)
    second = callbacks._claim(delivery.pk, later)
    assert second is not None and second.claim_token != first.claim_token
    # the dead worker's late report no longer counts
    assert callbacks._record_success(first) is None


def test_sweeper_sends_what_was_left_behind(
    misa_with_callback, sao_mai, eligible, demo_pki, sink
) -> None:
    # processing without running on-commit callbacks: the delivery task is "lost"
    dossier = services.dossier_receive(
        ivan=misa_with_callback,
        message_id="M-1",
        envelope=business_envelope(demo_pki, "sao-mai-vnpt"),
    ).dossier
    services.dossier_process(dossier_id=dossier.pk)
    assert sink.received == []
    assert callbacks.sweep_callbacks() == 1  # the immediate backend delivers inline
    assert CallbackDelivery.objects.get().status == CallbackStatus.DELIVERED
    assert len(sink.received) == 1
