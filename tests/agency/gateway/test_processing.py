"""Deciding received dossiers: the built-in business handler, registered handlers, retries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from ebhxh.agency.gateway import processing, services
from ebhxh.agency.gateway.models import Dossier, DossierEvent, DossierStatus
from ebhxh.dossiers.envelope import FormFile, file_xpath
from ebhxh.dossiers.forms.business import Plan
from tests.dossiers.support import (
    business_envelope,
    d02_report,
    employee,
    envelope_of,
    sign_envelope,
    signed_d02,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def receive(misa, sao_mai, eligible):
    def receive(envelope: bytes, message_id: str = "M-1") -> Dossier:
        return services.dossier_receive(ivan=misa, message_id=message_id, envelope=envelope).dossier

    return receive


def processed(dossier: Dossier) -> Dossier:
    services.dossier_process(dossier_id=dossier.pk)
    dossier.refresh_from_db()
    return dossier


def test_d02_accepted_with_a_summary(receive, demo_pki) -> None:
    report = replace(
        d02_report("TA0123K"),
        employees=(
            employee(1),
            employee(2, plan=Plan.LEAVE, salary=None),
            employee(3, plan=Plan.SALARY),
        ),
    )
    dossier = processed(receive(business_envelope(demo_pki, "sao-mai-vnpt", report=report)))
    assert dossier.status == DossierStatus.ACCEPTED
    assert dossier.result == {
        "forms": [{"form": "D02-TS", "employees": 3, "increase": 1, "decrease": 1, "adjustment": 1}]
    }
    assert "D02-TS: 3 lao động" in dossier.result_message


def test_d02_row_fault_rejects_with_its_xpath(receive, demo_pki) -> None:
    report = replace(
        d02_report("TA0123K"),
        employees=(employee(1), employee(2), employee(3, insurance_number="79000000")),
    )
    dossier = processed(receive(business_envelope(demo_pki, "sao-mai-vnpt", report=report)))
    assert dossier.status == DossierStatus.REJECTED
    assert (dossier.result_code, dossier.result_xpath) == (
        "SCH007",
        "/ToKhai/DanhSach/LaoDong[3]/MaSoBHXH",
    )
    assert "D02-TS (tệp thứ 1)" in dossier.result_message
    assert dossier.result["form"] == "D02-TS" and dossier.result["file_index"] == 1
    event = DossierEvent.objects.filter(dossier=dossier).last()
    assert (event.status, event.code) == ("rejected", "SCH007")


def test_form_signed_by_another_unit_is_idn001(receive, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt", form_signer="song-hau")
    dossier = processed(receive(envelope))
    assert (dossier.status, dossier.result_code, dossier.result_xpath) == (
        "rejected",
        "IDN001",
        file_xpath(1, "NoiDungFile"),
    )


def test_form_of_another_period_is_sch007(receive, demo_pki) -> None:
    report = d02_report("TA0123K", period="10/2026")
    dossier = processed(receive(business_envelope(demo_pki, "sao-mai-vnpt", report=report)))
    assert (dossier.result_code, dossier.result_xpath) == ("SCH007", "/ToKhai/KyKeKhai")


def test_unsigned_form_is_sig001(receive, demo_pki) -> None:
    from ebhxh.dossiers.forms.business import build_d02
    from tests.dossiers.support import d02_file

    envelope = envelope_of(slug="sao-mai-vnpt", files=(d02_file(build_d02(d02_report("TA0123K"))),))
    dossier = processed(receive(sign_envelope(demo_pki, "sao-mai-vnpt", envelope)))
    assert (dossier.result_code, dossier.result_xpath) == ("SIG001", "/*/Cky/ds:Signature")


def test_form_without_codec_is_sch007(receive, demo_pki) -> None:
    d02 = signed_d02(demo_pki, "sao-mai-vnpt", d02_report("TA0123K"))
    files = (
        FormFile("D02-TS", "D02", "D02-TS.xml", d02),
        FormFile("TK1-TS", "TK1", "TK1-TS.xml", b"<ToKhai/>"),
    )
    envelope = sign_envelope(
        demo_pki, "sao-mai-vnpt", envelope_of(slug="sao-mai-vnpt", files=files)
    )
    dossier = processed(receive(envelope))
    assert (dossier.result_code, dossier.result_xpath) == ("SCH007", file_xpath(2, "MaToKhai"))


def test_registered_handler_takes_over(receive, demo_pki, monkeypatch) -> None:
    def review(dossier: Dossier) -> None:
        services.dossier_progress(dossier=dossier, message="Chờ cán bộ kiểm tra.", code="")

    monkeypatch.setitem(processing._HANDLERS, "600", review)
    assert processing.handler_for("600") is review
    dossier = processed(receive(business_envelope(demo_pki, "sao-mai-vnpt")))
    assert dossier.status == DossierStatus.PENDING
    # a pending dossier is not processed again
    assert services.dossier_process(dossier_id=dossier.pk) is None


def test_failing_handler_rolls_back_and_the_sweeper_retries(
    receive, demo_pki, monkeypatch, settings
) -> None:
    calls = []

    def broken(dossier: Dossier) -> None:
        calls.append(dossier.pk)
        services.dossier_progress(dossier=dossier, message="bắt đầu")
        raise RuntimeError("registry unavailable")

    monkeypatch.setitem(processing._HANDLERS, "600", broken)
    dossier = receive(business_envelope(demo_pki, "sao-mai-vnpt"))
    with pytest.raises(RuntimeError):
        services.dossier_process(dossier_id=dossier.pk)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED  # the progress step rolled back too
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1

    monkeypatch.delitem(processing._HANDLERS, "600")
    assert services.dossiers_sweep_received() == 0  # not stuck long enough yet
    later = timezone.now() + timedelta(seconds=settings.GATEWAY_PROCESSING_RETRY_SECONDS + 1)
    assert services.dossiers_sweep_received(now=later) == 1  # runs inline in tests
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    assert calls == [dossier.pk]


def test_registration_procedure_without_handler_is_sys001(
    misa, sao_mai, demo_pki, monkeypatch
) -> None:
    monkeypatch.delitem(processing._HANDLERS, "04/ĐK-IVAN", raising=False)
    envelope = envelope_of(
        slug="sao-mai-vnpt",
        procedure_code="04/ĐK-IVAN",
        files=(FormFile("04/ĐK-IVAN", "Tờ khai", "04.xml", b"<ToKhai/>"),),
    )
    dossier = services.dossier_receive(
        ivan=misa, message_id="R-1", envelope=sign_envelope(demo_pki, "sao-mai-vnpt", envelope)
    ).dossier
    assert processed(dossier).result_code == "SYS001"
    assert dossier.status == DossierStatus.REJECTED


def test_unknown_dossier_id_is_nothing_to_do() -> None:
    assert services.dossier_process(dossier_id=123456) is None


def test_database_queue_gets_the_task_in_the_intake_transaction(
    misa, sao_mai, eligible, demo_pki, settings
) -> None:
    """With the database queue the task row commits with the dossier (nothing is left to an
    after-commit callback that a crash could lose); a worker then decides the dossier."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    dossier = services.dossier_receive(
        ivan=misa, message_id="Q-1", envelope=business_envelope(demo_pki, "sao-mai-vnpt")
    ).dossier
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == [dossier.pk]
    assert task.task_path == "ebhxh.agency.gateway.tasks.process_dossier"
    assert dossier.status == DossierStatus.RECEIVED
    assert processed(dossier).status == DossierStatus.ACCEPTED
