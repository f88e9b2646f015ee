"""Concurrent intake on PostgreSQL: one dossier per message id, gap-free numbers.

SQLite serialises writers, so these races only exist on PostgreSQL; run with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/test`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from ebhxh.agency.gateway import services
from ebhxh.agency.gateway.models import Dossier, DossierSequence
from ebhxh.audit.verification import verify_chain
from tests.agency.gateway.factories import connect_ivan, register_unit
from tests.dossiers.support import business_envelope

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and races need PostgreSQL"
    ),
]


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at once; re-raise the first error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def runner(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def setup(reference_data, demo_pki, eligible):
    ivan = connect_ivan(demo_pki, "00110")
    register_unit("sao-mai-vnpt", agency="01001")
    return ivan


def test_concurrent_identical_submits_store_one_dossier(setup, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    results = run_together(
        6,
        lambda _: services.dossier_receive(ivan=setup, message_id="SAME", envelope=envelope),
    )
    assert sum(result.created for result in results) == 1
    assert {result.dossier.number for result in results} == {Dossier.objects.get().number}
    assert {bytes(result.dossier.receipt) for result in results} == {
        bytes(Dossier.objects.get().receipt)
    }
    # the losers' sequence numbers rolled back with them
    assert DossierSequence.objects.get().last_value == 1
    assert verify_chain().ok


def test_numbers_are_gap_free_under_concurrency(setup, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    per_thread = 5

    def submit(index: int) -> list[str]:
        return [
            services.dossier_receive(
                ivan=setup, message_id=f"T{index}-{n}", envelope=envelope
            ).dossier.number
            for n in range(per_thread)
        ]

    numbers = [number for batch in run_together(4, submit) for number in batch]
    sequences = sorted(int(number.split("/")[0]) for number in numbers)
    assert sequences == list(range(1, 4 * per_thread + 1))
    assert Dossier.objects.count() == 4 * per_thread
    assert DossierSequence.objects.get().last_value == 4 * per_thread
    assert verify_chain().ok
