"""One provider at a time under concurrency: several I-VANs register and activate one unit at
the same moment, in separate transactions on separate connections (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import Channel, EserviceRegistration, RegistrationStatus
from tests.agency.registrations import support

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),  # a flush before this test empties them
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer, so there is no race to prove; run with "
        "DATABASE_URL=postgres://... to exercise row locks and the partial unique index",
    ),
]

ROUNDS = 3


def test_concurrent_registrations_and_activations_leave_exactly_one_active(
    sao_mai, ivans, certificate, contact
):
    signer = certificate("sao-mai-vnpt")
    workers = [slug for slug in ivans for _ in range(ROUNDS)]
    submitted = threading.Barrier(len(workers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(slug: str) -> None:
        outcome = "?"
        try:
            try:
                registration = services.registration_submit(
                    unit_code=sao_mai.unit_code,
                    channel=Channel.IVAN,
                    ivan=ivans[slug],
                    dossier=None,
                    contact=contact,
                    certificate=signer,
                    actor=f"ivan:{slug}",
                )
            except RegistrationRefused as refused:
                registration, outcome = None, f"submit:{refused.code}"
            submitted.wait(timeout=60)  # everyone has submitted; now all activate at once
            if registration is not None:
                try:
                    services.registration_activate(
                        registration=registration,
                        code=support.latest_code(registration),
                        actor=f"ivan:{slug}",
                    )
                    outcome = "active"
                except RegistrationRefused as refused:
                    outcome = f"activate:{refused.code}"
        finally:
            with lock:
                outcomes.append(outcome)
            connections.close_all()

    threads = [threading.Thread(target=work, args=(slug,)) for slug in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counted = Counter(outcomes)
    assert counted["active"] == 1, counted
    # The losers hear why: another I-VAN won (CE007), or their own newer submission did
    # (REG002 once it is active, REG005 for a code superseded before that).
    allowed = {"active", "activate:CE007", "activate:REG002", "activate:REG005"}
    assert set(counted) <= allowed, counted
    assert (
        EserviceRegistration.objects.filter(unit=sao_mai, status=RegistrationStatus.ACTIVE).count()
        == 1
    )
    assert not EserviceRegistration.objects.filter(
        unit=sao_mai, status=RegistrationStatus.PENDING_ACTIVATION
    ).exists()
