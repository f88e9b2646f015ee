"""Use cases of the I-VAN employer app that change state.

Each is a keyword-only function that runs in one transaction, checks the caller's role
(`permissions.require`) and its input (`validation.Errors`), and writes its audit record in
that transaction. Emails are queued in the outbox in the same transaction and leave after
commit. Nothing here talks to the agency: that goes through the gateway client (next step).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, TypeVar

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.ivan import orgsheet, selectors
from ebhxh.ivan.certificates import CertificateFacts, check_for_unit, load_der, verify_possession
from ebhxh.ivan.models import (
    INVITATION_TRANSITIONS,
    SERVICE_TRANSITIONS,
    Company,
    Invitation,
    InvitationStatus,
    Membership,
    OrgNode,
    Role,
    ServiceState,
    SignatureSetup,
    SigningMethod,
    Unit,
)
from ebhxh.ivan.permissions import Capability, require
from ebhxh.ivan.validation import Errors
from ebhxh.notifications.services import queue_email

INVITATION_DAYS: Final = 7
REASON_CERTIFICATE: Final = "Đổi chứng thư số dùng để ký hồ sơ."
REASON_METHOD: Final = "Đổi hình thức ký số (USB Token ↔ ký số từ xa)."
REASON_UNIT_CODE: Final = "Cập nhật mã đơn vị do cơ quan BHXH cấp."
_SIGNATURE_REASONS: Final = (REASON_CERTIFICATE, REASON_METHOD)

UserModel = get_user_model()
M = TypeVar("M", bound=models.Model)


def _others(queryset: QuerySet[M], current: M | None) -> QuerySet[M]:
    return queryset if current is None else queryset.exclude(pk=current.pk)


def _actor(membership: Membership) -> str:
    return actor_of(membership.user)


def _own(by: Membership, obj: Unit | OrgNode | Membership | Invitation) -> None:
    """Objects of another company are never touched, whatever id a request carries."""
    if obj.company_id != by.company_id:
        raise DomainError("Không tìm thấy đối tượng trong công ty đang làm việc.", code="NOT_FOUND")


# --- companies and accounts -----------------------------------------------------------------


@dataclass(frozen=True)
class CompanyInput:
    name: str
    tax_code: str
    address: str = ""
    province_code: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def _clean_company(errors: Errors, data: CompanyInput, *, check_tax_code: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": errors.text("name", data.name, label="tên công ty", max_length=300),
        "address": errors.text(
            "address", data.address, label="địa chỉ", max_length=300, required=False
        ),
        "province": errors.province("province", data.province_code, required=False),
        "contact_email": errors.email("contact_email", data.contact_email),
        "contact_phone": errors.phone("contact_phone", data.contact_phone),
    }
    if check_tax_code:
        tax_code = errors.tax_code("tax_code", data.tax_code)
        if "tax_code" not in errors and Company.objects.filter(tax_code=tax_code).exists():
            errors.add(
                "tax_code",
                "COMPANY_EXISTS",
                f"Công ty có MST {tax_code} đã có tài khoản. Đề nghị quản trị viên của công ty "
                "mời bạn tham gia.",
            )
        values["tax_code"] = tax_code
    return values


def _create_company(user: User, values: dict[str, Any]) -> Membership:
    try:
        with transaction.atomic():
            company = Company.objects.create(**values)
    except IntegrityError:
        errors = Errors()
        errors.add("tax_code", "COMPANY_EXISTS", "Công ty có MST này đã có tài khoản.")
        errors.raise_if_any()
        raise
    membership = Membership.objects.create(company=company, user=user, role=Role.ADMIN)
    audit_record(
        actor=actor_of(user),
        action="ivan.company_created",
        target=company,
        data={"tax_code": company.tax_code, "name": company.name},
    )
    return membership


def company_create(*, user: User, data: CompanyInput) -> Membership:
    """A logged-in user opens an account for their company and becomes its admin."""
    errors = Errors()
    with transaction.atomic():
        values = _clean_company(errors, data, check_tax_code=True)
        errors.raise_if_any()
        return _create_company(user, values)


def company_signup(
    *,
    username: str,
    password: str,
    email: str,
    full_name: str,
    company: CompanyInput,
) -> Membership:
    """A new customer signs up: their user account and the company, in one step."""
    errors = Errors()
    with transaction.atomic():
        username = _check_new_user(errors, username=username, password=password, email=email)
        values = _clean_company(errors, company, check_tax_code=True)
        errors.raise_if_any()
        user = _make_user(username=username, password=password, email=email, full_name=full_name)
        return _create_company(user, values)


def _check_new_user(errors: Errors, *, username: str, password: str, email: str) -> str:
    username = username.strip()
    if not username:
        errors.add("username", "REQUIRED", "Chưa nhập tên đăng nhập.")
    else:
        try:
            UserModel._meta.get_field("username").run_validators(username)
        except ValidationError as error:
            errors.add("username", "USERNAME_INVALID", " ".join(error.messages))
        if UserModel.objects.filter(username__iexact=username).exists():
            errors.add(
                "username", "USERNAME_TAKEN", f"Tên đăng nhập '{username}' đã có người dùng."
            )
    errors.email("email", email, required=True)
    candidate = UserModel(username=username, email=email)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        for item in error.error_list:
            code = (item.code or "invalid").upper()
            code = code if code.startswith("PASSWORD") else f"PASSWORD_{code}"
            errors.add("password", code, item.messages[0])
    return username


def _make_user(*, username: str, password: str, email: str, full_name: str) -> User:
    # The whole name in first_name: get_full_name() is then "Nguyễn Thị Lan", in Vietnamese
    # order, which "first + last" would turn into "Lan Nguyễn Thị".
    user = UserModel.objects.create_user(
        username=username, password=password, email=email.strip(), first_name=full_name[:150]
    )
    audit_record(actor=actor_of(user), action="ivan.user_created", target=user)
    return user


def company_update(*, by: Membership, data: CompanyInput) -> Company:
    """Profile changes; the MST is the company's identity and is not changed here."""
    require(by, Capability.MANAGE)
    errors = Errors()
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=by.company_id)
        values = _clean_company(errors, data, check_tax_code=False)
        errors.raise_if_any()
        changed = {
            key: str(value) for key, value in values.items() if getattr(company, key) != value
        }
        for key, value in values.items():
            setattr(company, key, value)
        company.save()
        audit_record(actor=_actor(by), action="ivan.company_updated", target=company, data=changed)
    return company


# --- members and invitations ----------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def member_invite(
    *, by: Membership, email: str, full_name: str, role: str, site_url: str
) -> tuple[Invitation, str]:
    """Email a link to join the company with a role; returns the invitation and its token.

    A new invitation to the same address replaces a pending one, so "send again" works.
    """
    require(by, Capability.MANAGE)
    errors = Errors()
    email = errors.email("email", email, required=True)
    full_name = errors.text(
        "full_name", full_name, label="họ và tên", max_length=150, required=False
    )
    if role not in Role.values:
        errors.add("role", "ROLE_UNKNOWN", "Chọn vai trò: Quản trị, Lập hồ sơ hoặc Ký nộp.")
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=by.company_id)
        if email and company.memberships.filter(user__email__iexact=email).exists():
            errors.add("email", "MEMBER_EXISTS", f"{email} đã là thành viên của công ty.")
        errors.raise_if_any()
        now = timezone.now()
        for old in company.invitations.filter(email__iexact=email, status=InvitationStatus.PENDING):
            INVITATION_TRANSITIONS.check(old.status, InvitationStatus.REVOKED)
            old.status = InvitationStatus.REVOKED
            old.save(update_fields=["status"])
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            full_name=full_name,
            role=role,
            token_hash=token_digest(token),
            invited_by=by.user,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        accept_url = site_url.rstrip("/") + reverse("ivan:invitation", args=[token])
        queue_email(
            to=email,
            template="ivan_invitation",
            secret=True,  # the link carries the invitation token
            context={
                "company": company,
                "full_name": full_name,
                "role": Role(role).label,
                "invited_by": by.user.get_full_name() or by.user.get_username(),
                "accept_url": accept_url,
                "expires_at": invitation.expires_at,
            },
            related=invitation,
        )
        audit_record(
            actor=_actor(by),
            action="ivan.member_invited",
            target=invitation,
            data={"email": email, "role": role},
        )
    return invitation, token


def _open_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("company")
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise DomainError(
            "Lời mời không còn hiệu lực (đã dùng hoặc đã bị huỷ). Đề nghị quản trị viên của "
            "công ty gửi lời mời mới.",
            code="INVITATION_INVALID",
        )
    if invitation.expires_at <= timezone.now():
        raise DomainError(
            f"Lời mời đã hết hạn ({INVITATION_DAYS} ngày). Đề nghị quản trị viên của công ty "
            "gửi lời mời mới.",
            code="INVITATION_EXPIRED",
        )
    return invitation


def _join(invitation: Invitation, user: User) -> Membership:
    if invitation.company.memberships.filter(user=user).exists():
        raise DomainError("Tài khoản này đã là thành viên của công ty.", code="MEMBER_EXISTS")
    membership = Membership.objects.create(
        company=invitation.company, user=user, role=invitation.role
    )
    INVITATION_TRANSITIONS.check(invitation.status, InvitationStatus.ACCEPTED)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    audit_record(
        actor=actor_of(user),
        action="ivan.invitation_accepted",
        target=membership,
        data={"invitation": invitation.pk, "role": invitation.role},
    )
    return membership


def invitation_accept(*, token: str, user: User) -> Membership:
    """A logged-in user joins the company the invitation is for."""
    with transaction.atomic():
        return _join(_open_invitation(token), user)


def invitation_accept_new_user(
    *, token: str, username: str, password: str, full_name: str
) -> Membership:
    """Someone without an account creates one (with the invited email) and joins."""
    errors = Errors()
    with transaction.atomic():
        invitation = _open_invitation(token)
        username = _check_new_user(
            errors, username=username, password=password, email=invitation.email
        )
        errors.raise_if_any()
        user = _make_user(
            username=username,
            password=password,
            email=invitation.email,
            full_name=full_name or invitation.full_name,
        )
        return _join(invitation, user)


def invitation_revoke(*, by: Membership, invitation: Invitation) -> Invitation:
    require(by, Capability.MANAGE)
    _own(by, invitation)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        INVITATION_TRANSITIONS.check(invitation.status, InvitationStatus.REVOKED)
        invitation.status = InvitationStatus.REVOKED
        invitation.save(update_fields=["status"])
        audit_record(actor=_actor(by), action="ivan.invitation_revoked", target=invitation)
    return invitation


def _keep_an_admin(company_id: int, leaving: Membership) -> None:
    others = Membership.objects.filter(company_id=company_id, role=Role.ADMIN).exclude(
        pk=leaving.pk
    )
    if leaving.role == Role.ADMIN and not others.exists():
        raise DomainError(
            "Công ty cần ít nhất một quản trị viên. Giao vai trò Quản trị cho người khác trước.",
            code="LAST_ADMIN",
        )


def member_role_change(*, by: Membership, membership: Membership, role: str) -> Membership:
    require(by, Capability.MANAGE)
    _own(by, membership)
    if role not in Role.values:
        raise DomainError("Vai trò không hợp lệ.", code="ROLE_UNKNOWN", field="role")
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)  # one role change at a time
        membership = Membership.objects.get(pk=membership.pk)
        if role != Role.ADMIN:
            _keep_an_admin(by.company_id, membership)
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=_actor(by),
            action="ivan.member_role_changed",
            target=membership,
            data={"from": old, "to": role},
        )
    return membership


def member_remove(*, by: Membership, membership: Membership) -> None:
    require(by, Capability.MANAGE)
    _own(by, membership)
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)
        membership = Membership.objects.get(pk=membership.pk)
        _keep_an_admin(by.company_id, membership)
        audit_record(
            actor=_actor(by),
            action="ivan.member_removed",
            target=membership,
            data={"user": membership.user_id, "role": membership.role},
        )
        membership.delete()


# --- organisation structure ------------------------------------------------------------------


@dataclass(frozen=True)
class OrgNodeInput:
    code: str
    name: str
    parent_id: int | None = None
    tax_code: str = ""
    address: str = ""
    province_code: str = ""


def _clean_node(
    errors: Errors, by: Membership, data: OrgNodeInput, node: OrgNode | None
) -> dict[str, Any]:
    code = data.code.strip()
    if not code:
        errors.add("code", "ORG_CODE_EMPTY", "Chưa nhập mã đơn vị.")
    elif len(code) > orgsheet.MAX_CODE or not orgsheet.CODE_PATTERN.match(code):
        errors.add(
            "code",
            "ORG_CODE_CHARACTERS",
            "Mã tối đa 50 ký tự, chỉ gồm chữ cái không dấu, chữ số và các dấu . _ -",
        )
    elif _others(OrgNode.objects.filter(company_id=by.company_id, code=code), node).exists():
        errors.add("code", "ORG_CODE_DUPLICATE", f"Mã '{code}' đã có trong cơ cấu tổ chức.")
    parent = None
    if data.parent_id is not None:
        parent = OrgNode.objects.filter(company_id=by.company_id, pk=data.parent_id).first()
        if parent is None:
            errors.add("parent", "ORG_PARENT_NOT_FOUND", "Không tìm thấy đơn vị cha.")
        elif node is not None and _is_within(parent, node):
            errors.add(
                "parent",
                "ORG_PARENT_CYCLE",
                "Không thể đặt một đơn vị dưới chính nó hoặc đơn vị cấp dưới của nó.",
            )
    return {
        "code": code,
        "name": errors.text("name", data.name, label="tên", max_length=orgsheet.MAX_NAME),
        "parent": parent,
        "tax_code": errors.tax_code("tax_code", data.tax_code, required=False),
        "address": errors.text(
            "address",
            data.address,
            label="địa chỉ",
            max_length=orgsheet.MAX_ADDRESS,
            required=False,
        ),
        "province": errors.province("province", data.province_code, required=False),
    }


def _is_within(candidate: OrgNode, node: OrgNode) -> bool:
    """Is `candidate` the node itself or below it?"""
    seen: set[int] = set()
    current: OrgNode | None = candidate
    while current is not None and current.pk not in seen:
        if current.pk == node.pk:
            return True
        seen.add(current.pk)
        current = current.parent
    return False


def org_node_create(*, by: Membership, data: OrgNodeInput) -> OrgNode:
    require(by, Capability.MANAGE)
    errors = Errors()
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)
        values = _clean_node(errors, by, data, None)
        errors.raise_if_any()
        node = OrgNode.objects.create(company_id=by.company_id, **values)
        audit_record(
            actor=_actor(by), action="ivan.org_node_created", target=node, data={"code": node.code}
        )
    return node


def org_node_update(*, by: Membership, node: OrgNode, data: OrgNodeInput) -> OrgNode:
    require(by, Capability.MANAGE)
    _own(by, node)
    errors = Errors()
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)
        node = OrgNode.objects.get(pk=node.pk)
        values = _clean_node(errors, by, data, node)
        errors.raise_if_any()
        for key, value in values.items():
            setattr(node, key, value)
        node.save()
        audit_record(
            actor=_actor(by), action="ivan.org_node_updated", target=node, data={"code": node.code}
        )
    return node


def org_node_delete(*, by: Membership, node: OrgNode) -> None:
    """Only a leaf without units: removing a branch must not orphan its units silently."""
    require(by, Capability.MANAGE)
    _own(by, node)
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)
        node = OrgNode.objects.get(pk=node.pk)
        if node.children.exists():
            raise DomainError(
                f"'{node.name}' còn đơn vị cấp dưới. Xoá hoặc chuyển các đơn vị cấp dưới trước.",
                code="ORG_NODE_HAS_CHILDREN",
            )
        if node.units.exists():
            raise DomainError(
                f"'{node.name}' đang gắn với đơn vị tham gia BHXH. Bỏ liên kết ở trang đơn vị "
                "trước.",
                code="ORG_NODE_HAS_UNITS",
            )
        audit_record(
            actor=_actor(by), action="ivan.org_node_deleted", target=node, data={"code": node.code}
        )
        node.delete()


class ImportRejected(DomainError):
    """The sheet no longer fits the structure (it changed since the preview); nothing written."""

    code = "ORG_IMPORT_REJECTED"

    def __init__(self, issues: Sequence[orgsheet.RowIssue]) -> None:
        super().__init__(
            "Bảng không còn khớp với cơ cấu tổ chức hiện tại; chưa có thay đổi nào được ghi. "
            "Tải tệp lên lại để kiểm tra."
        )
        self.issues = tuple(issues)


def org_import_apply(*, by: Membership, rows: Sequence[orgsheet.OrgRow]) -> orgsheet.SheetCheck:
    """Apply checked sheet rows all together or not at all.

    Rows are re-checked against the structure as it is now, under the company's lock, since
    someone may have changed it between the preview and this apply.
    """
    require(by, Capability.MANAGE)
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=by.company_id)
        existing = selectors.existing_nodes(company)
        issues = orgsheet.check_structure(rows, existing=existing)
        if issues:
            raise ImportRejected(issues)
        planned = orgsheet.plan(rows, existing=existing)
        nodes = {node.code: node for node in company.org_nodes.all()}
        for item in planned:
            row = item.row
            if item.action == orgsheet.Action.UNCHANGED:
                continue
            node = nodes.get(row.code) or OrgNode(company=company, code=row.code)
            node.name = row.name
            node.tax_code = row.tax_code
            node.address = row.address
            node.province_id = row.province_code or None
            node.save()
            nodes[row.code] = node
        for item in planned:  # parents once every node exists
            row = item.row
            node = nodes[row.code]
            parent = nodes[row.parent_code] if row.parent_code else None
            if node.parent_id != (parent.pk if parent else None):
                node.parent = parent
                node.save(update_fields=["parent", "updated_at"])
        check = orgsheet.SheetCheck(tuple(rows), (), planned)
        audit_record(
            actor=_actor(by),
            action="ivan.org_imported",
            target=company,
            data={
                "created": check.count(orgsheet.Action.CREATE),
                "updated": check.count(orgsheet.Action.UPDATE),
                "unchanged": check.count(orgsheet.Action.UNCHANGED),
                "codes": [row.code for row in rows],
            },
        )
    return check


# --- units ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    name: str
    province_code: str
    tax_code: str
    first_time: bool
    unit_code: str = ""
    contact_email: str = ""
    org_node_id: int | None = None


def _clean_unit(
    errors: Errors, by: Membership, data: UnitInput, unit: Unit | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": errors.text("name", data.name, label="tên đơn vị", max_length=300),
        "province": errors.province("province", data.province_code),
        "contact_email": errors.email("contact_email", data.contact_email),
        "first_time": data.first_time,
    }
    tax_code = errors.tax_code("tax_code", data.tax_code)
    same = Unit.objects.filter(company_id=by.company_id, tax_code=tax_code)
    if "tax_code" not in errors and _others(same, unit).exists():
        errors.add("tax_code", "UNIT_EXISTS", f"Công ty đã khai báo đơn vị có MST {tax_code}.")
    values["tax_code"] = tax_code
    unit_code = data.unit_code.strip()
    if data.first_time and unit_code and (unit is None or not unit.first_time):
        errors.add(
            "unit_code",
            "UNIT_CODE_WITH_FIRST_TIME",
            "Đơn vị tham gia BHXH lần đầu chưa có mã đơn vị: bỏ chọn “Là đơn vị tham gia BHXH "
            "lần đầu” hoặc xoá mã đơn vị.",
        )
    elif unit_code or not data.first_time:
        unit_code = errors.unit_code("unit_code", unit_code)
    values["unit_code"] = unit_code
    values["org_node"] = None
    if data.org_node_id is not None:
        node = OrgNode.objects.filter(company_id=by.company_id, pk=data.org_node_id).first()
        if node is None:
            errors.add(
                "org_node", "ORG_NODE_NOT_FOUND", "Không tìm thấy đơn vị trong cơ cấu tổ chức."
            )
        values["org_node"] = node
    return values


def unit_create(*, by: Membership, data: UnitInput) -> Unit:
    """Thêm mới đơn vị (seed 000 §3.2): name, province, MST, and the unit code unless the
    unit joins BHXH for the first time."""
    require(by, Capability.PREPARE)
    errors = Errors()
    with transaction.atomic():
        Company.objects.select_for_update().get(pk=by.company_id)
        values = _clean_unit(errors, by, data, None)
        errors.raise_if_any()
        unit = Unit.objects.create(company_id=by.company_id, **values)
        audit_record(
            actor=_actor(by),
            action="ivan.unit_created",
            target=unit,
            data={
                "tax_code": unit.tax_code,
                "unit_code": unit.unit_code,
                "first_time": unit.first_time,
                "province": unit.province_id,
            },
        )
    return unit


def unit_update(*, by: Membership, unit: Unit, data: UnitInput) -> Unit:
    """Edit a unit. The MST is fixed once a signature is set up or the unit is registered
    (the certificate and BHXH know it by that MST); a new unit code on a registered unit
    needs a change dossier (seed 000 §3.5)."""
    require(by, Capability.PREPARE)
    _own(by, unit)
    errors = Errors()
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        values = _clean_unit(errors, by, data, unit)
        locked = (
            unit.service_state != ServiceState.NOT_REGISTERED
            or SignatureSetup.objects.filter(unit=unit).exists()
        )
        if locked and values["tax_code"] != unit.tax_code:
            errors.add(
                "tax_code",
                "UNIT_TAX_CODE_LOCKED",
                "Không đổi được MST của đơn vị đã thiết lập chữ ký số hoặc đã đăng ký dịch vụ. "
                "Khai báo một đơn vị mới với MST đúng.",
            )
        if unit.unit_code and not values["unit_code"]:
            errors.add("unit_code", "UNIT_CODE_EMPTY", "Đơn vị đã có mã đơn vị; không xoá được mã.")
        errors.raise_if_any()
        old_code = unit.unit_code
        for key, value in values.items():
            setattr(unit, key, value)
        if old_code != unit.unit_code and unit.service_state == ServiceState.ACTIVE:
            unit.change_dossier_required = True
            unit.change_dossier_reason = REASON_UNIT_CODE
        unit.save()
        audit_record(
            actor=_actor(by),
            action="ivan.unit_updated",
            target=unit,
            data={"unit_code": unit.unit_code, "old_unit_code": old_code},
        )
    return unit


def unit_service_state_change(
    *,
    actor: str,
    unit: Unit,
    to: str,
    refusal_code: str = "",
    refusal_message: str = "",
    registered_fingerprint: str = "",
) -> Unit:
    """Record what the gateway said about the unit's registration (used by the next steps).

    Moves along `SERVICE_TRANSITIONS` only. On ACTIVE the certificate of the accepted
    dossier becomes the registered one, and a pending signature change is settled.
    """
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        SERVICE_TRANSITIONS.check(unit.service_state, to)
        old = unit.service_state
        unit.service_state = to
        unit.service_state_changed_at = timezone.now()
        unit.refusal_code = refusal_code if to == ServiceState.REFUSED else ""
        unit.refusal_message = refusal_message if to == ServiceState.REFUSED else ""
        if to == ServiceState.ACTIVE:
            unit.registered_fingerprint = registered_fingerprint
            if unit.change_dossier_reason in _SIGNATURE_REASONS:
                unit.change_dossier_required = False
                unit.change_dossier_reason = ""
        unit.save()
        audit_record(
            actor=actor,
            action="ivan.unit_service_state_changed",
            target=unit,
            data={"from": old, "to": to, "refusal_code": refusal_code},
        )
    return unit


# --- signature setup -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureOutcome:
    setup: SignatureSetup
    facts: CertificateFacts
    change_dossier_required: bool

    @property
    def notice(self) -> str:
        if not self.change_dossier_required:
            return ""
        return (
            "Đơn vị đã đăng ký sử dụng dịch vụ BHXH điện tử với chứng thư số khác. Cần ký nộp "
            "hồ sơ thay đổi thông tin (05/SD-IVAN) bằng chứng thư số mới trước khi nộp hồ sơ "
            "khác; cơ quan BHXH sẽ từ chối hồ sơ ký bằng chứng thư số chưa đăng ký."
        )


def _save_signature(
    *,
    by: Membership,
    unit: Unit,
    method: SigningMethod,
    certificate_der: bytes,
    chain_der: Sequence[bytes],
    fields: dict[str, str],
    proof: tuple[bytes, bytes] | None,
) -> SignatureOutcome:
    require(by, Capability.SIGN)
    _own(by, unit)
    certificate, *chain = load_der([certificate_der, *chain_der])
    if proof is not None:
        verify_possession(certificate, *proof)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        facts = check_for_unit(certificate, chain, unit_tax_code=unit.tax_code, now=timezone.now())
        previous = SignatureSetup.objects.filter(unit=unit).first()
        registered = unit.registered_fingerprint or (
            previous.fingerprint_sha256 if previous else ""
        )
        method_changed = previous is not None and previous.method != method
        if unit.service_state == ServiceState.ACTIVE:
            if method_changed:
                unit.change_dossier_required, unit.change_dossier_reason = True, REASON_METHOD
            elif facts.fingerprint_sha256 != registered:
                unit.change_dossier_required, unit.change_dossier_reason = True, REASON_CERTIFICATE
            elif unit.change_dossier_reason in _SIGNATURE_REASONS:
                unit.change_dossier_required, unit.change_dossier_reason = False, ""
            unit.save(
                update_fields=["change_dossier_required", "change_dossier_reason", "updated_at"]
            )
        values = {
            "method": method,
            "certificate_pem": facts.certificate_pem,
            "chain_pem": facts.chain_pem,
            "subject": facts.subject[:1000],
            "common_name": facts.common_name[:300],
            "certificate_tax_code": facts.tax_code,
            "issuer": facts.issuer[:1000],
            "serial_number": facts.serial_number,
            "fingerprint_sha256": facts.fingerprint_sha256,
            "not_before": facts.not_before,
            "not_after": facts.not_after,
            "token_label": "",
            "token_certificate_id": "",
            "remote_provider_url": "",
            "remote_username": "",
            "remote_credential_id": "",
            "configured_by": by.user,
            "configured_at": timezone.now(),
            **fields,
        }
        setup, _ = SignatureSetup.objects.update_or_create(unit=unit, defaults=values)
        audit_record(
            actor=_actor(by),
            action="ivan.signature_configured",
            target=unit,
            data={
                "method": method,
                "fingerprint": facts.fingerprint_sha256,
                "previous_fingerprint": previous.fingerprint_sha256 if previous else "",
                "change_dossier_required": unit.change_dossier_required,
                **{key: value for key, value in fields.items() if key != "configured_by"},
            },
        )
    return SignatureOutcome(setup, facts, unit.change_dossier_required)


def signature_token_save(
    *,
    by: Membership,
    unit: Unit,
    certificate_der: bytes,
    chain_der: Sequence[bytes],
    token_label: str,
    token_certificate_id: str,
    challenge: bytes,
    proof: bytes,
) -> SignatureOutcome:
    """Use a certificate on the unit's USB token, once the token has signed our challenge
    (so the holder has the token and its PIN, not just a copy of the public certificate)."""
    return _save_signature(
        by=by,
        unit=unit,
        method=SigningMethod.TOKEN,
        certificate_der=certificate_der,
        chain_der=chain_der,
        fields={
            "token_label": token_label[:100],
            "token_certificate_id": token_certificate_id[:128],
        },
        proof=(challenge, proof),
    )


def signature_remote_save(
    *,
    by: Membership,
    unit: Unit,
    provider_url: str,
    username: str,
    credential_id: str,
    certificate_der: bytes,
    chain_der: Sequence[bytes],
) -> SignatureOutcome:
    """Use a remote-signing credential the provider listed for the holder's account after
    they logged in. Only the address, account name and credential id are kept."""
    return _save_signature(
        by=by,
        unit=unit,
        method=SigningMethod.REMOTE,
        certificate_der=certificate_der,
        chain_der=chain_der,
        fields={
            "remote_provider_url": provider_url,
            "remote_username": username[:150],
            "remote_credential_id": credential_id[:200],
        },
        proof=None,
    )
