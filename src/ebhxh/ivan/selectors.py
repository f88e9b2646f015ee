"""Reads for the I-VAN pages: always scoped to one company, so no page can see another's."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ebhxh.ivan.models import (
    Company,
    Invitation,
    InvitationStatus,
    Membership,
    OrgNode,
    ServiceState,
    SignatureSetup,
    Unit,
)
from ebhxh.ivan.orgsheet import ExistingNode, province_lookup
from ebhxh.reference.models import Province


def memberships_of(user_id: int) -> QuerySet[Membership]:
    return Membership.objects.select_related("company").filter(user_id=user_id)


def company_members(company: Company) -> QuerySet[Membership]:
    return company.memberships.select_related("user").order_by("user__username")


def pending_invitations(company: Company) -> QuerySet[Invitation]:
    return company.invitations.filter(
        status=InvitationStatus.PENDING, expires_at__gt=timezone.now()
    )


def member(company: Company, membership_id: int) -> Membership:
    found = company.memberships.select_related("user").filter(pk=membership_id).first()
    if found is None:
        raise Http404
    return found


def invitation(company: Company, invitation_id: int) -> Invitation:
    found = company.invitations.filter(pk=invitation_id).first()
    if found is None:
        raise Http404
    return found


# --- organisation structure ---------------------------------------------------------------


def org_nodes(company: Company) -> QuerySet[OrgNode]:
    return company.org_nodes.select_related("parent", "province")


def org_node(company: Company, node_id: int) -> OrgNode:
    found = org_nodes(company).filter(pk=node_id).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class TreeLine:
    node: OrgNode
    depth: int


def org_tree(company: Company) -> list[TreeLine]:
    """The nodes depth-first, children under their parent, for an indented list."""
    nodes = list(org_nodes(company))
    children: dict[int | None, list[OrgNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def walk(parent: int | None, depth: int) -> Iterator[TreeLine]:
        for node in sorted(children.get(parent, []), key=lambda n: n.code):
            yield TreeLine(node, depth)
            yield from walk(node.pk, depth + 1)

    return list(walk(None, 0))


def existing_nodes(company: Company) -> dict[str, ExistingNode]:
    """The company's nodes in the sheet's terms (codes, not ids), for checking an import."""
    return {
        node.code: ExistingNode(
            code=node.code,
            name=node.name,
            parent_code=node.parent.code if node.parent else "",
            tax_code=node.tax_code,
            address=node.address,
            province_code=node.province_id or "",
        )
        for node in org_nodes(company)
    }


def province_spellings() -> dict[str, str]:
    return province_lookup(Province.objects.values_list("code", "name", "codename"))


def province_names() -> dict[str, str]:
    return dict(Province.objects.values_list("code", "name"))


# --- units ----------------------------------------------------------------------------------


def units_of(company: Company) -> QuerySet[Unit]:
    return company.units.select_related("province", "org_node", "signature")


def unit(company: Company, unit_id: int) -> Unit:
    found = units_of(company).filter(pk=unit_id).first()
    if found is None:
        raise Http404
    return found


def signature_of(unit: Unit) -> SignatureSetup | None:
    """The unit's setup, from the join `units_of` already made when it did."""
    try:
        return unit.signature
    except SignatureSetup.DoesNotExist:
        return None


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    WAITING = "waiting"
    UPCOMING = "todo"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str
    state: StepState
    note: str = ""


def unit_checklist(unit: Unit) -> list[ChecklistStep]:
    """Seed 000's steps for this unit: declare → signature → register → fetch employees."""
    signature = signature_of(unit)
    steps = [ChecklistStep("declare", "Khai báo đơn vị", StepState.DONE)]
    if signature is None:
        steps.append(ChecklistStep("signature", "Thiết lập chữ ký số", StepState.CURRENT))
    elif unit.change_dossier_required:
        steps.append(
            ChecklistStep(
                "signature",
                "Thiết lập chữ ký số",
                StepState.CURRENT,
                "Cần ký nộp hồ sơ thay đổi (05/SD-IVAN).",
            )
        )
    else:
        steps.append(ChecklistStep("signature", "Thiết lập chữ ký số", StepState.DONE))
    register = "Đăng ký cấp mã đơn vị" if unit.first_time and not unit.unit_code else None
    title = register or "Đăng ký dịch vụ BHXH điện tử"
    state = unit.service_state
    if state == ServiceState.ACTIVE:
        steps.append(ChecklistStep("register", title, StepState.DONE))
    elif state in (ServiceState.PENDING_ACTIVATION, ServiceState.PENDING_APPROVAL):
        steps.append(
            ChecklistStep("register", title, StepState.WAITING, unit.get_service_state_display())
        )
    elif state == ServiceState.REFUSED:
        note = f"{unit.refusal_code}: {unit.refusal_message}" if unit.refusal_code else ""
        steps.append(ChecklistStep("register", title, StepState.BLOCKED, note))
    else:
        ready = signature is not None
        steps.append(
            ChecklistStep("register", title, StepState.CURRENT if ready else StepState.UPCOMING)
        )
    if unit.employees_fetched_at is not None:
        steps.append(ChecklistStep("employees", "Lấy lao động từ BHXH", StepState.DONE))
    else:
        ready = state == ServiceState.ACTIVE
        steps.append(
            ChecklistStep(
                "employees",
                "Lấy lao động từ BHXH",
                StepState.CURRENT if ready else StepState.UPCOMING,
            )
        )
    return steps
