"""Reads for the portal pages and the officer console; no writes here.

An officer sees the declarations of their own office, of its local offices when it is a
provincial BHXH, and of every office when they work for BHXH Việt Nam (the scope of
`registry.Officer`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from ebhxh.agency.portal import matching
from ebhxh.agency.portal.declaration import Declaration
from ebhxh.agency.portal.models import (
    OPEN_STATUSES,
    IndividualRegistration,
    PortalAccount,
    RegistrationChannel,
    RegistrationStatus,
)
from ebhxh.agency.portal.passwords import password_change_required, password_expires_on
from ebhxh.agency.registry.models import InsuredPerson, Officer
from ebhxh.reference.models import Agency
from ebhxh.vntime import vietnam_date

QUEUE_LIMIT = 200


def account_of(user: Any) -> PortalAccount | None:
    """The portal account of a logged-in user, or None (officers, administrators)."""
    if user is None or not user.is_authenticated:
        return None
    return PortalAccount.objects.filter(user=user).first()


def account_by_username(username: str) -> PortalAccount | None:
    return PortalAccount.objects.select_related("user").filter(user__username=username).first()


@dataclass(frozen=True)
class PasswordState:
    changed_at: datetime
    expires_on: date
    change_required: bool


def password_state(account: PortalAccount, *, now: datetime | None = None) -> PasswordState:
    now = now or timezone.now()
    return PasswordState(
        changed_at=account.password_changed_at,
        expires_on=password_expires_on(account.password_changed_at),
        change_required=password_change_required(
            must_change=account.must_change_password,
            changed_at=account.password_changed_at,
            now=now,
        ),
    )


# --- registrations, public side ---------------------------------------------------------


def registration_by_public_id(public_id: uuid.UUID | str) -> IndividualRegistration | None:
    return (
        IndividualRegistration.objects.select_related("reception_agency", "account__user")
        .filter(public_id=public_id)
        .first()
    )


def registration_lookup(*, tracking_number: str, citizen_id: str) -> IndividualRegistration | None:
    """The person's own declaration: both numbers must match, so a tracking number alone
    (printed on paper, seen at the counter) reveals nothing."""
    return IndividualRegistration.objects.filter(
        tracking_number=tracking_number.strip().upper(), citizen_id=citizen_id.strip()
    ).first()


def registrations_of(account: PortalAccount) -> QuerySet[IndividualRegistration]:
    return IndividualRegistration.objects.filter(citizen_id=account.citizen_id).order_by(
        "-submitted_at"
    )


def open_registration_for(citizen_id: str) -> IndividualRegistration | None:
    """The person's form still waiting for a decision, if any (there is at most one)."""
    return IndividualRegistration.objects.filter(
        citizen_id=citizen_id, status__in=OPEN_STATUSES
    ).first()


def reception_agencies() -> QuerySet[Agency]:
    """The BHXH cơ sở a person may choose as reception point, grouped by province."""
    return (
        Agency.objects.filter(level=Agency.Level.LOCAL, is_active=True)
        .select_related("province")
        .order_by("province_id", "code")
    )


# --- registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryCheck:
    rows: list[matching.Row]
    found: bool

    @property
    def matches(self) -> bool:
        return self.found and all(row.matches for row in self.rows)

    def reasons(self) -> dict[str, matching.FieldError]:
        return matching.mismatches(self.rows, found=self.found)


def registry_check(declared: Declaration | IndividualRegistration) -> RegistryCheck:
    """Declared facts against the insured person the registry knows by CCCD or mã số BHXH."""
    by_citizen_id = InsuredPerson.objects.filter(citizen_id=declared.citizen_id).first()
    by_number = InsuredPerson.objects.filter(insurance_number=declared.insurance_number).first()
    rows = matching.compare(declared, by_citizen_id, by_number)
    return RegistryCheck(rows=rows, found=by_citizen_id is not None or by_number is not None)


# --- officers ---------------------------------------------------------------------------


def officer_of(user: Any) -> Officer | None:
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    return Officer.objects.select_related("agency").filter(user=user).first()


def agency_scope(officer: Officer, field: str) -> Q:
    """What an officer may see and decide, as a filter on the office `field` names: all of
    it nationally, the province's own and its cơ sở' at a province, else the office's own."""
    agency = officer.agency
    if agency.level == Agency.Level.NATIONAL:
        return Q()
    if agency.level == Agency.Level.PROVINCE:
        return Q(**{field: agency}) | Q(**{f"{field}__parent": agency})
    return Q(**{field: agency})


def officer_scope(officer: Officer) -> Q:
    """The registrations an officer may see and decide, as a filter."""
    return agency_scope(officer, "reception_agency")


def in_scope(officer: Officer, registration: IndividualRegistration) -> bool:
    return IndividualRegistration.objects.filter(
        officer_scope(officer), pk=registration.pk
    ).exists()


def _search(
    queryset: QuerySet[IndividualRegistration], query: str
) -> QuerySet[IndividualRegistration]:
    text = "".join(query.split()).upper()
    if not text:
        return queryset
    return queryset.filter(Q(citizen_id=text) | Q(tracking_number=text) | Q(insurance_number=text))


def _with_overdue(
    queryset: QuerySet[IndividualRegistration], today: date
) -> QuerySet[IndividualRegistration]:
    return queryset.annotate(
        overdue=Case(
            When(
                Q(status=RegistrationStatus.RECEIVED, due_on__lt=today)
                | Q(status=RegistrationStatus.DECLARED, present_by__lt=today),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def reception_queue(
    officer: Officer, *, query: str = "", status: str = "", now: datetime | None = None
) -> QuerySet[IndividualRegistration]:
    """Declarations made online for the officer's reception points; open ones by default,
    oldest deadline first."""
    today = vietnam_date(now or timezone.now())
    queryset = IndividualRegistration.objects.filter(
        officer_scope(officer), channel=RegistrationChannel.RECEPTION
    ).select_related("reception_agency")
    queryset = queryset.filter(status=status or RegistrationStatus.DECLARED)
    queryset = _search(queryset, query)
    return _with_overdue(queryset, today).order_by("present_by", "submitted_at")[:QUEUE_LIMIT]


def counter_queue(
    officer: Officer,
    *,
    query: str = "",
    status: str = "",
    overdue_only: bool = False,
    now: datetime | None = None,
) -> QuerySet[IndividualRegistration]:
    """Paper forms received at the officer's counters, earliest due date first; overdue ones
    (decided later than 3 working days after receipt) are flagged."""
    today = vietnam_date(now or timezone.now())
    queryset = IndividualRegistration.objects.filter(
        officer_scope(officer), channel=RegistrationChannel.COUNTER
    ).select_related("reception_agency", "entered_by")
    queryset = queryset.filter(status=status or RegistrationStatus.RECEIVED)
    queryset = _search(queryset, query)
    if overdue_only:
        queryset = queryset.filter(status=RegistrationStatus.RECEIVED, due_on__lt=today)
    return _with_overdue(queryset, today).order_by("due_on", "submitted_at")[:QUEUE_LIMIT]


@dataclass(frozen=True)
class QueueCounts:
    reception_open: int
    reception_due_today: int
    counter_open: int
    counter_overdue: int


def queue_counts(officer: Officer, *, now: datetime | None = None) -> QueueCounts:
    today = vietnam_date(now or timezone.now())
    mine = IndividualRegistration.objects.filter(officer_scope(officer))
    reception = mine.filter(
        channel=RegistrationChannel.RECEPTION, status=RegistrationStatus.DECLARED
    )
    counter = mine.filter(channel=RegistrationChannel.COUNTER, status=RegistrationStatus.RECEIVED)
    return QueueCounts(
        reception_open=reception.count(),
        reception_due_today=reception.filter(present_by=today).count(),
        counter_open=counter.count(),
        counter_overdue=counter.filter(due_on__lt=today).count(),
    )


def registration_for_officer(
    officer: Officer, tracking_number: str
) -> IndividualRegistration | None:
    return (
        IndividualRegistration.objects.filter(
            officer_scope(officer), tracking_number=tracking_number
        )
        .select_related("reception_agency", "account__user", "decided_by", "entered_by")
        .first()
    )


def is_overdue(registration: IndividualRegistration, *, now: datetime | None = None) -> bool:
    """A counter form not decided by its due date, or a declaration past its 10 days."""
    today = vietnam_date(now or timezone.now())
    if registration.status == RegistrationStatus.RECEIVED and registration.due_on:
        return today > registration.due_on
    if registration.status == RegistrationStatus.DECLARED and registration.present_by:
        return today > registration.present_by
    return False
