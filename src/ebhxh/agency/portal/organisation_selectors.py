"""Reads for the organisation-account pages and the officers' paper queue; no writes here.

An officer sees the paper forms handed in at their own office, at its BHXH cơ sở when it is
a provincial office, everywhere when they work for BHXH Việt Nam (as for Mẫu 01).
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.urls import reverse

from ebhxh.agency.portal.models import (
    ORGANISATION_OPEN_STATUSES,
    OrganisationChannel,
    OrganisationRegistration,
    OrganisationStatus,
)
from ebhxh.agency.portal.selectors import agency_scope
from ebhxh.agency.registrations.models import EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry.models import Officer
from ebhxh.reference.models import Agency

QUEUE_LIMIT = 200


def open_registration_for(unit_code: str) -> OrganisationRegistration | None:
    """The unit's request still in progress, if any (there is at most one)."""
    return (
        OrganisationRegistration.objects.select_related("managing_agency")
        .filter(unit_code=unit_code, status__in=ORGANISATION_OPEN_STATUSES)
        .first()
    )


def by_public_id(public_id: uuid.UUID | str) -> OrganisationRegistration | None:
    return (
        OrganisationRegistration.objects.select_related(
            "managing_agency__province", "account__user", "eservice_registration"
        )
        .filter(public_id=public_id)
        .first()
    )


def activation_path(registration: OrganisationRegistration) -> str:
    return reverse("portal:organisation_activate", args=[registration.public_id])


def start_path() -> str:
    return reverse("portal:register_choose")


def local_agencies() -> QuerySet[Agency]:
    """The BHXH cơ sở a unit may name as its managing office, by province."""
    return (
        Agency.objects.filter(level=Agency.Level.LOCAL, is_active=True)
        .select_related("province")
        .order_by("province_id", "code")
    )


def active_provider(unit_code: str) -> EserviceRegistration | None:
    """Who the unit transacts through now, shown to the officer beside its request."""
    return (
        EserviceRegistration.objects.select_related("ivan__provider")
        .filter(unit__unit_code=unit_code, status=RegistrationStatus.ACTIVE)
        .first()
    )


# --- officers ---------------------------------------------------------------------------


def officer_scope(officer: Officer) -> Q:
    """An organisation's request belongs to its managing office."""
    return agency_scope(officer, "managing_agency")


def in_scope(officer: Officer, registration: OrganisationRegistration) -> bool:
    return OrganisationRegistration.objects.filter(
        officer_scope(officer), pk=registration.pk
    ).exists()


def paper_queue(
    officer: Officer, *, query: str = "", status: str = ""
) -> QuerySet[OrganisationRegistration]:
    """Printed forms for the officer's offices, waiting ones by default, oldest first;
    search by unit code, tracking number or MST."""
    queryset = OrganisationRegistration.objects.filter(
        officer_scope(officer), channel=OrganisationChannel.PAPER
    ).select_related("managing_agency")
    queryset = queryset.filter(status=status or OrganisationStatus.DECLARED)
    text = "".join(query.split()).upper()
    if text:
        queryset = queryset.filter(Q(unit_code=text) | Q(tracking_number=text) | Q(tax_code=text))
    return queryset.order_by("submitted_at", "pk")[:QUEUE_LIMIT]


def for_officer(officer: Officer, tracking_number: str) -> OrganisationRegistration | None:
    return (
        OrganisationRegistration.objects.filter(
            officer_scope(officer), tracking_number=tracking_number
        )
        .select_related("managing_agency", "unit", "account__user", "decided_by")
        .first()
    )


def paper_waiting_count(officer: Officer) -> int:
    return OrganisationRegistration.objects.filter(
        officer_scope(officer),
        channel=OrganisationChannel.PAPER,
        status=OrganisationStatus.DECLARED,
    ).count()
