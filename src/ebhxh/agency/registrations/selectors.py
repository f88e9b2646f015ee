"""Reads for registrations: what an activation names, what an I-VAN may see, officers' queues.

Officer scoping lives here once: an officer sees the units their agency manages; a provincial
office also sees those of its local offices; BHXH Việt Nam sees all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from ebhxh.agency.gateway.models import Dossier, DossierEvent, DossierStatus
from ebhxh.agency.registrations.models import (
    Channel,
    EserviceRegistration,
    RegistrationStatus,
    UnitCodeRequest,
)
from ebhxh.agency.registry.models import Employment, IvanConnection, Officer, Unit
from ebhxh.core.queries import unique_or_none
from ebhxh.dossiers.forms.registration import CHANGE, FIRST_TIME_PROCEDURE, REGISTER, STOP
from ebhxh.reference.models import Agency
from ebhxh.vntime import VIETNAM_TZ, today_in_vietnam

REGISTRATION_PROCEDURES = (REGISTER, CHANGE, STOP, FIRST_TIME_PROCEDURE)
RETRYABLE_CODE = "SYS001"


def unit_by_code(unit_code: str) -> Unit | None:
    return Unit.objects.filter(unit_code=unit_code.strip().upper()).first()


def active_registration(unit: Unit) -> EserviceRegistration | None:
    return (
        EserviceRegistration.objects.select_related("ivan__provider")
        .filter(unit=unit, status=RegistrationStatus.ACTIVE)
        .first()
    )


def active_registration_of_unit_code(unit_code: str) -> EserviceRegistration | None:
    """The unit's active registration in one query: every business dossier asks this at
    intake, so it must not cost a unit read and a registration read."""
    return unique_or_none(  # at most one by the partial unique index
        EserviceRegistration.objects.select_related("ivan__provider").filter(
            unit__unit_code=unit_code.strip().upper(), status=RegistrationStatus.ACTIVE
        )
    )


def ivan_is_registered_for(*, ivan: IvanConnection, unit_code: str) -> bool:
    """Whether this I-VAN holds the unit's active e-service registration."""
    return EserviceRegistration.objects.filter(
        unit__unit_code=unit_code,
        status=RegistrationStatus.ACTIVE,
        channel=Channel.IVAN,
        ivan=ivan,
    ).exists()


def latest_registration_dossier(*, unit_code: str, ivan: IvanConnection) -> Dossier | None:
    """The unit's latest 04/ĐK-IVAN dossier through this I-VAN (decides stop-on-behalf)."""
    return (
        Dossier.objects.filter(procedure_code=REGISTER, unit_code=unit_code, ivan=ivan)
        .order_by("-received_at", "-pk")
        .first()
    )


ActivationSubject = EserviceRegistration | UnitCodeRequest


def activation_subject(
    *,
    dossier_number: str = "",
    registration_id: int | None = None,
    unit_code: str = "",
    ivan: IvanConnection | None = None,
) -> ActivationSubject | None:
    """What an activation code was sent for, named by dossier number, registration id or
    (on the portal) unit code. With `ivan`, only what that I-VAN submitted is found."""
    registrations = EserviceRegistration.objects.select_related("unit", "ivan", "dossier")
    requests = UnitCodeRequest.objects.select_related("dossier", "ivan")
    if ivan is not None:
        registrations = registrations.filter(ivan=ivan)
        requests = requests.filter(ivan=ivan)
    if dossier_number:
        found: ActivationSubject | None = registrations.filter(
            dossier__number=dossier_number
        ).first()
        return found or requests.filter(dossier__number=dossier_number).first()
    if registration_id is not None:
        return registrations.filter(pk=registration_id).first()
    if unit_code:
        of_unit = registrations.filter(unit__unit_code=unit_code.strip().upper())
        pending = of_unit.filter(status=RegistrationStatus.PENDING_ACTIVATION)
        return pending.order_by("-created_at", "-pk").first() or of_unit.first()
    return None


def current_employees(unit: Unit) -> QuerySet[Employment]:
    """ "Lấy lao động": who works at the unit today (no end date, or one still ahead)."""
    today = today_in_vietnam()
    return (
        Employment.objects.filter(unit=unit)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person")
        .order_by("person__insurance_number", "pk")
    )


@dataclass(frozen=True)
class RegistrationView:
    """A unit's registration as one I-VAN may see it (`GET /units/{code}/registration`)."""

    unit: Unit
    own: EserviceRegistration | None
    last_dossier: Dossier | None
    active_elsewhere: EserviceRegistration | None
    can_stop_previous: bool


def registration_view(*, unit: Unit, ivan: IvanConnection) -> RegistrationView:
    own = EserviceRegistration.objects.filter(unit=unit, ivan=ivan).first()
    last = latest_registration_dossier(unit_code=unit.unit_code, ivan=ivan)
    active = active_registration(unit)
    elsewhere = active if active is not None and active.ivan_id != ivan.pk else None
    refused = (
        last is not None
        and last.status == DossierStatus.REJECTED
        and last.result_code in {"CE007", "CE044"}
    )
    return RegistrationView(
        unit=unit,
        own=own,
        last_dossier=last,
        # Who the other provider is, only to an I-VAN the unit itself (signed dossier)
        # tried to register with and was refused because of it.
        active_elsewhere=elsewhere if refused else None,
        can_stop_previous=refused and elsewhere is not None,
    )


def dossiers_awaiting_retry() -> QuerySet[Dossier]:
    """Registration dossiers left pending by a system error (last event SYS001)."""
    last_code = (
        DossierEvent.objects.filter(dossier=OuterRef("pk")).order_by("-at", "-pk").values("code")
    )
    return (
        Dossier.objects.filter(
            procedure_code__in=REGISTRATION_PROCEDURES, status=DossierStatus.PENDING
        )
        .annotate(last_code=Subquery(last_code[:1]))
        .filter(last_code=RETRYABLE_CODE)
        .order_by("received_at", "pk")
    )


# --- officers -------------------------------------------------------------------------------


def officer_for(user: Any) -> Officer | None:
    """The officer profile of a logged-in user, with its agency."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Officer.objects.select_related("agency").filter(user=user).first()


def managed_by(agency: Agency, field: str) -> Q:
    """Rows whose `field` (an Agency foreign key) is within `agency`'s reach."""
    if agency.level == Agency.Level.NATIONAL:
        return Q()
    scope = Q(**{field: agency})
    if agency.level == Agency.Level.PROVINCE:
        scope |= Q(**{f"{field}__parent": agency})
    return scope


def officer_can_decide(officer: Officer, request: UnitCodeRequest) -> bool:
    return UnitCodeRequest.objects.filter(
        managed_by(officer.agency, "managing_agency"), pk=request.pk
    ).exists()


@dataclass(frozen=True)
class QueueFilters:
    """The console's filters; empty values filter nothing."""

    status: str = ""
    channel: str = ""
    province: str = ""
    agency: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM_TZ)


def _filtered(
    queryset: QuerySet, filters: QueueFilters, *, agency_field: str, tax_field: str, name_field: str
) -> QuerySet:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.province:
        queryset = queryset.filter(**{f"{agency_field}__province_id": filters.province})
    if filters.agency:
        queryset = queryset.filter(**{f"{agency_field}_id": filters.agency})
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.search:
        term = filters.search.strip()
        queryset = queryset.filter(
            Q(**{f"{tax_field}__icontains": term}) | Q(**{f"{name_field}__icontains": term})
        )
    return queryset


def unit_code_requests_for(
    officer: Officer, filters: QueueFilters = QueueFilters()
) -> QuerySet[UnitCodeRequest]:
    queryset = UnitCodeRequest.objects.filter(
        managed_by(officer.agency, "managing_agency")
    ).select_related("managing_agency", "province", "dossier", "ivan__provider", "decided_by")
    return _filtered(
        queryset,
        filters,
        agency_field="managing_agency",
        tax_field="tax_code",
        name_field="name",
    ).order_by("created_at", "pk")


def unit_code_request_for(officer: Officer, pk: int) -> UnitCodeRequest | None:
    return unit_code_requests_for(officer).filter(pk=pk).first()


def registrations_for(
    officer: Officer, filters: QueueFilters = QueueFilters()
) -> QuerySet[EserviceRegistration]:
    queryset = EserviceRegistration.objects.filter(
        managed_by(officer.agency, "unit__managing_agency")
    ).select_related("unit__managing_agency", "ivan__provider", "dossier", "stopped_by_dossier")
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    return _filtered(
        queryset,
        filters,
        agency_field="unit__managing_agency",
        tax_field="unit__tax_code",
        name_field="unit__name",
    ).order_by("-created_at", "-pk")


def registration_for(officer: Officer, pk: int) -> EserviceRegistration | None:
    return registrations_for(officer).filter(pk=pk).first()


def awaiting_review_count(officer: Officer) -> int:
    return unit_code_requests_for(officer, QueueFilters(status="awaiting_review")).count()
