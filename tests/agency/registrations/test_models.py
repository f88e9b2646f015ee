"""The rules the database and the state machines hold on their own."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ebhxh.agency.gateway import eligibility, processing
from ebhxh.agency.registrations import codes, handlers
from ebhxh.agency.registrations.eligibility import unit_has_active_registration
from ebhxh.agency.registrations.models import (
    CODE_TRANSITIONS,
    REGISTRATION_TRANSITIONS,
    UNIT_CODE_REQUEST_TRANSITIONS,
    Channel,
    EserviceRegistration,
    RegistrationStatus,
)
from ebhxh.core.errors import IllegalTransition
from ebhxh.jobs.periodic import registered

pytestmark = pytest.mark.django_db


def make(unit, ivan, status):
    return EserviceRegistration.objects.create(
        unit=unit,
        channel=Channel.IVAN,
        ivan=ivan,
        contact_name="A",
        contact_email="a@b.vn",
        contact_phone="0912345678",
        certificate_pem="-",
        certificate_fingerprint="0" * 64,
        certificate_serial="1",
        certificate_subject="CN=A",
        status=status,
    )


def test_the_database_allows_one_active_registration_per_unit(sao_mai, ivans):
    make(sao_mai, ivans["ivan-misa"], RegistrationStatus.ACTIVE)
    make(sao_mai, ivans["ivan-vnpt"], RegistrationStatus.PENDING_ACTIVATION)
    make(sao_mai, ivans["ivan-vnpt"], RegistrationStatus.STOPPED)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(sao_mai, ivans["ivan-viettel"], RegistrationStatus.ACTIVE)


def test_a_portal_registration_names_no_ivan(sao_mai, ivans):
    with pytest.raises(IntegrityError), transaction.atomic():
        EserviceRegistration.objects.create(
            unit=sao_mai,
            channel=Channel.PORTAL,
            ivan=ivans["ivan-misa"],
            contact_name="A",
            contact_email="a@b.vn",
            contact_phone="0912345678",
            certificate_pem="-",
            certificate_fingerprint="0" * 64,
            certificate_serial="1",
            certificate_subject="CN=A",
        )


@pytest.mark.parametrize(
    ("table", "source", "target"),
    [
        (REGISTRATION_TRANSITIONS, "stopped", "active"),
        (REGISTRATION_TRANSITIONS, "cancelled", "active"),
        (REGISTRATION_TRANSITIONS, "pending_activation", "stopped"),
        (UNIT_CODE_REQUEST_TRANSITIONS, "pending_activation", "approved"),
        (UNIT_CODE_REQUEST_TRANSITIONS, "rejected", "approved"),
        (UNIT_CODE_REQUEST_TRANSITIONS, "approved", "rejected"),
        (CODE_TRANSITIONS, "used", "active"),
        (CODE_TRANSITIONS, "locked", "used"),
    ],
)
def test_illegal_transitions_raise_a_coded_error(table, source, target):
    with pytest.raises(IllegalTransition) as refused:
        table.check(source, target)
    assert refused.value.code.endswith("_ILLEGAL_TRANSITION")


def test_codes_are_unambiguous_and_typed_loosely():
    code = codes.new_code()
    assert len(code) == 8 and not set(code) & set("IO01")
    salt = codes.new_salt()
    digest = codes.digest(code, salt)
    assert codes.matches(codes.display(code).lower(), salt, digest)
    assert codes.matches(f" {code[:4]} {code[4:]} ", salt, digest)
    assert not codes.matches(code, codes.new_salt(), digest)


def test_handlers_jobs_and_eligibility_are_registered():
    for procedure, handler in handlers.HANDLERS.items():
        assert processing.handler_for(procedure) is handler
    assert unit_has_active_registration in eligibility.registered_checks()
    assert "registrations.retry_dossiers" in {job.key for job in registered()}
