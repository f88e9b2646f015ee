"""Use cases of the registration wizard (seeds 000 and 004).

Preparing a dossier checks the unit's state and the input, builds the form with the codec the
gateway reads it with, and hands it to the filing engine (`filing_create`), which validates
the envelope like the gateway and leads the user to signing. The unit's e-service state then
moves on the agency's answers: the engine's outcome hooks (`hooks.py`) and the activation
answers here. Each use case writes its audit record in its own transaction; emails leave
after commit (outbox).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.dossiers.forms.registration import (
    CHANGE,
    FIRST_TIME,
    FIRST_TIME_PROCEDURE,
    REGISTER,
    STOP,
    EserviceChangeForm,
    EserviceRegistrationForm,
    EserviceStopForm,
    StopChannel,
    UnitCodeRequestForm,
    build_change,
    build_registration,
    build_stop,
    build_unit_code_request,
)
from ebhxh.identifiers import TARGET_GROUPS
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.enrolment import notify, selectors
from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.filings.services import FormInput, filing_create, filing_refresh
from ebhxh.ivan.gateway import GatewayRejection, gateway_client
from ebhxh.ivan.models import Membership, ServiceState, SignatureSetup, Unit
from ebhxh.ivan.permissions import Capability, require
from ebhxh.ivan.validation import Errors
from ebhxh.reference.models import Agency
from ebhxh.vntime import today_in_vietnam

_SIGNATURE_REASONS: Final = (ivan_services.REASON_CERTIFICATE, ivan_services.REASON_METHOD)
REGISTRABLE: Final = (ServiceState.NOT_REGISTERED, ServiceState.REFUSED, ServiceState.STOPPED)
STOP_REASONS: Final = (
    "Chuyển sang sử dụng dịch vụ BHXH điện tử của nhà cung cấp khác.",
    "Hết hạn hợp đồng với nhà cung cấp cũ.",
    "Chất lượng dịch vụ của nhà cung cấp cũ không đáp ứng yêu cầu.",
    "Đơn vị không còn giao dịch qua Cổng thông tin BHXH Việt Nam.",
)


class EnrolmentRefused(DomainError):
    """A registration step the unit cannot take now; the message says what to do instead."""

    code = "ENROLMENT_REFUSED"


class ActivationRefused(DomainError):
    """The agency did not take the activation code; `code` is its catalogue code."""

    code = "ACTIVATION_REFUSED"


def _own(by: Membership, unit: Unit) -> Unit:
    if unit.company_id != by.company_id:
        raise DomainError("Không tìm thấy đối tượng trong công ty đang làm việc.", code="NOT_FOUND")
    return Unit.objects.select_related("company", "province").get(pk=unit.pk)


def _signature(unit: Unit) -> SignatureSetup:
    setup = SignatureSetup.objects.filter(unit=unit).first()
    if setup is None:
        raise EnrolmentRefused(
            "Đơn vị chưa thiết lập chữ ký số. Thiết lập chữ ký số trước khi ký nộp hồ sơ.",
            code="ENROLMENT_NO_SIGNATURE",
        )
    return setup


def _page(unit: Unit) -> str:
    return reverse("ivan:enrolment", args=[unit.pk])


def _check_no_unsigned(unit: Unit) -> None:
    unsigned = selectors.enrolment(unit, has_signature=True).unsigned
    if unsigned is not None:
        raise EnrolmentRefused(
            f"Đơn vị còn hồ sơ {unsigned.procedure_code} chưa ký nộp. Ký nộp hoặc huỷ hồ sơ đó "
            "trước khi lập hồ sơ mới.",
            code="ENROLMENT_UNSIGNED_EXISTS",
        )


def _audit(by: Membership, action: str, unit: Unit, filing: Filing | None, **data: Any) -> None:
    audit_record(
        actor=actor_of(by.user),
        action=f"ivan.enrolment.{action}",
        target=unit,
        data={"filing": filing.pk if filing else None, **data},
    )


# --- 04/ĐK-IVAN -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    contact_name: str
    contact_email: str
    contact_phone: str


def _clean_contact(errors: Errors, name: str, email: str, phone: str) -> tuple[str, str, str]:
    name = errors.text("contact_name", name, label="người liên hệ", max_length=150)
    email = errors.email("contact_email", email, required=True)
    if not phone.strip():
        errors.add("contact_phone", "REQUIRED", "Chưa nhập điện thoại di động của người liên hệ.")
    return name, email, errors.phone("contact_phone", phone)


def _registration_filing(by: Membership, unit: Unit, form: EserviceRegistrationForm) -> Filing:
    return filing_create(
        actor=by.user,
        unit=unit,
        procedure_code=REGISTER,
        forms=[
            FormInput(
                REGISTER,
                "Tờ khai đăng ký sử dụng dịch vụ BHXH điện tử",
                "04_DK_IVAN.xml",
                build_registration(form),
            )
        ],
        purpose="Đăng ký sử dụng dịch vụ BHXH điện tử",
        next_url=_page(unit),
    )


def registration_prepare(*, by: Membership, unit: Unit, data: ContactInput) -> Filing:
    """ "Đăng ký dịch vụ" (seed 000 §II 3.4): the 04/ĐK-IVAN form, ready to sign."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    errors = Errors()
    name, email, phone = _clean_contact(
        errors, data.contact_name, data.contact_email, data.contact_phone
    )
    errors.raise_if_any()
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("company").get(pk=unit.pk)
        if not unit.unit_code:
            raise EnrolmentRefused(
                "Đơn vị chưa có mã đơn vị: ký nộp hồ sơ đề nghị cấp mã đơn vị trước.",
                code="ENROLMENT_NO_UNIT_CODE",
            )
        if unit.service_state not in REGISTRABLE:
            raise EnrolmentRefused(
                f"Đơn vị đang ở trạng thái “{unit.get_service_state_display()}”, không đăng ký "
                "mới được.",
                code="ENROLMENT_STATE",
            )
        _signature(unit)
        _check_no_unsigned(unit)
        form = EserviceRegistrationForm(
            unit_code=unit.unit_code,
            unit_name=unit.name,
            tax_code=unit.tax_code,
            ivan_code=settings.IVAN_CODE,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
            registered_on=today_in_vietnam(),
        )
        filing = _registration_filing(by, unit, form)
        _audit(by, "registration_prepared", unit, filing, contact_email=email)
    return filing


def registration_resubmit(*, by: Membership, unit: Unit) -> Filing:
    """ "Đăng ký sử dụng" after the old provider was stopped (seed 004 Bước 2): a new 04 with
    the content of the registration refused with CE007/CE044."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        refused = selectors.refused_registration(unit)
        if refused is None or unit.service_state != ServiceState.REFUSED:
            raise EnrolmentRefused(
                "Không có hồ sơ đăng ký bị từ chối (CE007/CE044) để đăng ký lại.",
                code="ENROLMENT_NOTHING_TO_RESUBMIT",
            )
        _signature(unit)
        _check_no_unsigned(unit)
        old = selectors.registration_form_of(refused)
        form = EserviceRegistrationForm(
            unit_code=unit.unit_code,
            unit_name=unit.name,
            tax_code=unit.tax_code,
            ivan_code=settings.IVAN_CODE,
            contact_name=old.contact_name,
            contact_email=old.contact_email,
            contact_phone=old.contact_phone,
            registered_on=today_in_vietnam(),
        )
        filing = _registration_filing(by, unit, form)
        _audit(by, "registration_resubmitted", unit, filing, refused=refused.number)
    return filing


# --- HSDKLanDau (TK3-TS) ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCodeRequestInput:
    unit_name: str
    address: str
    managing_agency: str
    target_group: str
    business_type: str
    contact_name: str
    contact_email: str
    contact_phone: str


def local_agencies(province_code: str) -> list[Agency]:
    return list(
        Agency.objects.filter(
            province_id=province_code, level=Agency.Level.LOCAL, is_active=True
        ).order_by("code")
    )


def unit_code_request_prepare(*, by: Membership, unit: Unit, data: UnitCodeRequestInput) -> Filing:
    """ "Đăng ký cấp mã đơn vị" (seed 000 §I 3.4), also "Đăng ký lại" after a rejection."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    errors = Errors()
    name = errors.text("unit_name", data.unit_name, label="tên đơn vị", max_length=300)
    address = errors.text("address", data.address, label="địa chỉ", max_length=300)
    contact_name, email, phone = _clean_contact(
        errors, data.contact_name, data.contact_email, data.contact_phone
    )
    group = data.target_group.strip().upper()
    if group not in TARGET_GROUPS:
        errors.add("target_group", "TARGET_GROUP_UNKNOWN", "Chọn nhóm đối tượng của đơn vị.")
    kind = data.business_type.strip().upper()
    if not (len(kind) == 3 and kind[0].isalpha() and kind[1:].isdigit()):
        errors.add(
            "business_type",
            "BUSINESS_TYPE_INVALID",
            "Loại hình gồm một chữ cái và hai chữ số, ví dụ A03.",
        )
    agencies = {agency.code: agency for agency in local_agencies(unit.province_id)}
    if data.managing_agency not in agencies:
        errors.add(
            "managing_agency",
            "AGENCY_UNKNOWN",
            f"Chọn cơ quan BHXH cơ sở quản lý đơn vị tại {unit.province.name}.",
        )
    errors.raise_if_any()
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("province").get(pk=unit.pk)
        if unit.unit_code:
            raise EnrolmentRefused(
                f"Đơn vị đã có mã đơn vị {unit.unit_code}: đăng ký sử dụng dịch vụ (04/ĐK-IVAN).",
                code="ENROLMENT_HAS_UNIT_CODE",
            )
        if unit.service_state not in (ServiceState.NOT_REGISTERED, ServiceState.REFUSED):
            raise EnrolmentRefused(
                f"Hồ sơ đề nghị cấp mã đơn vị đang ở trạng thái “"
                f"{unit.get_service_state_display()}”.",
                code="ENROLMENT_STATE",
            )
        _signature(unit)
        _check_no_unsigned(unit)
        form = UnitCodeRequestForm(
            unit_name=name,
            tax_code=unit.tax_code,
            address=address,
            province_code=unit.province_id,
            managing_agency=data.managing_agency,
            target_group=group,
            business_type=kind,
            contact_name=contact_name,
            contact_email=email,
            contact_phone=phone,
            declared_on=today_in_vietnam(),
        )
        filing = filing_create(
            actor=by.user,
            unit=unit,
            procedure_code=FIRST_TIME_PROCEDURE,
            forms=[
                FormInput(
                    FIRST_TIME,
                    "Tờ khai đơn vị tham gia BHXH, BHYT lần đầu (đề nghị cấp mã đơn vị)",
                    "TK3_TS.xml",
                    build_unit_code_request(form),
                )
            ],
            purpose="Đăng ký cấp mã đơn vị",
            next_url=_page(unit),
            managing_agency=data.managing_agency,
        )
        _audit(by, "unit_code_request_prepared", unit, filing, agency=data.managing_agency)
    return filing


# --- activation ------------------------------------------------------------------------------

ACTIVATION_MESSAGES: Final = {
    "REG004": "Mã kích hoạt không đúng. {detail} Kiểm tra lại mã trong email (không phân biệt "
    "chữ hoa, chữ thường; có thể bỏ dấu gạch).",
    "REG005": "Mã kích hoạt đã hết hạn (chỉ có giá trị 24 giờ) hoặc đã được thay bằng mã mới. "
    "Nhấn “Gửi lại mã” để nhận mã mới qua email.",
    "REG006": "Mã kích hoạt đã được sử dụng: hồ sơ đã được kích hoạt trước đó.",
    "REG007": "Mã kích hoạt đã bị khoá vì nhập sai 5 lần. Nhấn “Gửi lại mã” để nhận mã mới.",
    "CE007": "Đơn vị đã đăng ký dịch vụ BHXH điện tử với tổ chức I-VAN khác. Ngừng dịch vụ của "
    "nhà cung cấp cũ rồi đăng ký lại.",
    "CE044": "Đơn vị đã đăng ký giao dịch tại Cổng thông tin BHXH Việt Nam. Ngừng giao dịch tại "
    "Cổng rồi đăng ký lại.",
}


def _awaiting_activation(unit: Unit) -> Filing:
    filing = selectors.sent(unit, *selectors.REQUEST_PROCEDURES)
    if unit.service_state != ServiceState.PENDING_ACTIVATION or filing is None or not filing.number:
        raise EnrolmentRefused(
            "Đơn vị không có hồ sơ nào đang chờ kích hoạt.", code="ENROLMENT_NOT_PENDING"
        )
    return filing


def _activation_refused(rejection: GatewayRejection) -> ActivationRefused:
    template = ACTIVATION_MESSAGES.get(rejection.code)
    message = (
        template.format(detail=rejection.detail).replace("  ", " ")
        if template
        else f"{rejection.message} {rejection.detail}".strip()
    )
    return ActivationRefused(message, code=rejection.code or "ACTIVATION_REFUSED", field="code")


def activation_confirm(*, by: Membership, unit: Unit, code: str) -> Unit:
    """Enter the emailed activation code (24 h). A registration becomes active; a unit-code
    request goes to the officer (seed 000 §I 3.4: "chuyển hồ sơ … cho cán bộ BHXH")."""
    require(by, Capability.SIGN)
    unit = _own(by, unit)
    if not code.strip():
        raise ActivationRefused(
            "Nhập mã kích hoạt trong email cơ quan BHXH gửi.", code="REQUIRED", field="code"
        )
    filing = _awaiting_activation(unit)
    with gateway_client() as client:
        response = client.post(
            "activations", json_body={"dossier_number": filing.number, "code": code.strip()}
        )
    if response.status_code != 200:
        rejection = GatewayRejection.from_response(response)
        if rejection.code in selectors.STOP_AFTER:
            _record_refusal(unit, rejection.code, rejection.message)
        raise _activation_refused(rejection)
    answer = response.json()
    actor = actor_of(by.user)
    with transaction.atomic():
        if answer.get("kind") == "unit_code_request":
            unit = ivan_services.unit_service_state_change(
                actor=actor, unit=unit, to=ServiceState.PENDING_APPROVAL
            )
            notify.step(unit, "activated_request", filing=filing)
        else:
            unit = ivan_services.unit_service_state_change(
                actor=actor,
                unit=unit,
                to=ServiceState.ACTIVE,
                registered_fingerprint=filing.signer_fingerprint
                or _signature(unit).fingerprint_sha256,
            )
            notify.step(unit, "activated", filing=filing)
        _audit(by, "activated", unit, filing, kind=answer.get("kind", ""))
    transaction.on_commit(lambda: _refresh_quietly(filing))
    return unit


def _refresh_quietly(filing: Filing) -> None:
    """The dossier's conclusion follows the activation; the periodic poll catches up if the
    gateway cannot be reached now."""
    with contextlib.suppress(DomainError):
        filing_refresh(filing=filing)


@dataclass(frozen=True)
class ResentCode:
    email: str
    expires_at: datetime | None
    message: str


def activation_resend(*, by: Membership, unit: Unit) -> ResentCode:
    """ "Gửi lại mã": the agency emails a new code (new 24 h); the previous code stops working."""
    require(by, Capability.SIGN)
    unit = _own(by, unit)
    filing = _awaiting_activation(unit)
    with gateway_client() as client:
        response = client.post("activations/resend", json_body={"dossier_number": filing.number})
    if response.status_code != 202:
        raise _activation_refused(GatewayRejection.from_response(response))
    answer = response.json()
    expires = answer.get("expires_at")
    with transaction.atomic():
        _audit(by, "activation_code_resent", unit, filing, email=answer.get("email", ""))
    return ResentCode(
        email=str(answer.get("email", "")),
        expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        message=str(answer.get("message", "")),
    )


def _record_refusal(unit: Unit, code: str, message: str) -> None:
    """CE007/CE044 learnt from an answer: the unit is refused until the old provider stops."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if unit.service_state == ServiceState.REFUSED and unit.refusal_code == code:
            return
        ivan_services.unit_service_state_change(
            actor="system",
            unit=unit,
            to=ServiceState.REFUSED,
            refusal_code=code,
            refusal_message=message,
        )


# --- issued unit code and 05/SD-IVAN ----------------------------------------------------------


def _change_filing(by: Membership, unit: Unit, purpose: str) -> Filing:
    form = EserviceChangeForm(
        unit_code=unit.unit_code,
        tax_code=unit.tax_code,
        ivan_code=settings.IVAN_CODE,
        changed_on=today_in_vietnam(),
        certificate_der=_certificate_der(unit)
        if unit.change_dossier_reason in _SIGNATURE_REASONS
        else b"",
    )
    return filing_create(
        actor=by.user,
        unit=unit,
        procedure_code=CHANGE,
        forms=[
            FormInput(
                CHANGE,
                "Tờ khai thay đổi thông tin sử dụng dịch vụ BHXH điện tử",
                "05_SD_IVAN.xml",
                build_change(form),
            )
        ],
        purpose=purpose,
        next_url=_page(unit),
    )


def _certificate_der(unit: Unit) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = _signature(unit).certificate_pem.encode()
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


def unit_code_update(*, by: Membership, unit: Unit, unit_code: str) -> Filing | None:
    """ "Cập nhật" the code BHXH issued (seed 000 §I 3.5). After an electronic approval the
    unit is active: the code is recorded and a 05/SD-IVAN carrying it is prepared to sign. A
    paper request (other provinces) just records the code; the unit then registers (04)."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    errors = Errors()
    code = errors.unit_code("unit_code", unit_code)
    errors.raise_if_any()
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if not unit.first_time or unit.unit_code:
            raise EnrolmentRefused(
                "Đơn vị đã có mã đơn vị; sửa mã ở trang thông tin đơn vị.",
                code="ENROLMENT_HAS_UNIT_CODE",
            )
        issued = selectors.issued_unit_code(unit)
        if issued and issued != code:
            errors.add(
                "unit_code",
                "UNIT_CODE_NOT_ISSUED",
                f"Cơ quan BHXH đã cấp mã {issued} cho đơn vị; nhập đúng mã này.",
            )
            errors.raise_if_any()
        if unit.service_state not in (ServiceState.ACTIVE, ServiceState.NOT_REGISTERED):
            raise EnrolmentRefused(
                "Chỉ cập nhật mã đơn vị sau khi cơ quan BHXH cấp mã.", code="ENROLMENT_STATE"
            )
        if Unit.objects.filter(company_id=unit.company_id, unit_code=code).exclude(pk=unit.pk):
            errors.add("unit_code", "UNIT_CODE_TAKEN", f"Mã {code} đã gắn với đơn vị khác.")
            errors.raise_if_any()
        unit.unit_code = code
        filing = None
        if unit.service_state == ServiceState.ACTIVE:
            unit.change_dossier_required = True
            unit.change_dossier_reason = ivan_services.REASON_UNIT_CODE
        unit.save(
            update_fields=[
                "unit_code",
                "change_dossier_required",
                "change_dossier_reason",
                "updated_at",
            ]
        )
        if unit.service_state == ServiceState.ACTIVE:
            _signature(unit)
            filing = _change_filing(by, unit, "Cập nhật mã đơn vị do cơ quan BHXH cấp")
        _audit(by, "unit_code_updated", unit, filing, unit_code=code)
    return filing


def change_prepare(*, by: Membership, unit: Unit) -> Filing:
    """The 05/SD-IVAN a pending change needs (new unit code, new certificate or method)."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if unit.service_state != ServiceState.ACTIVE or not unit.change_dossier_required:
            raise EnrolmentRefused(
                "Đơn vị không có thay đổi nào cần nộp hồ sơ 05/SD-IVAN.", code="ENROLMENT_STATE"
            )
        _signature(unit)
        _check_no_unsigned(unit)
        filing = _change_filing(by, unit, unit.change_dossier_reason or "Thay đổi thông tin")
        _audit(by, "change_prepared", unit, filing, reason=unit.change_dossier_reason)
    return filing


# --- 06/NG-IVAN (seed 004) --------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousProvider:
    channel: str  # "ivan" or "portal"
    ivan_code: str
    label: str


def previous_provider(*, by: Membership, unit: Unit) -> PreviousProvider | None:
    """Who the unit is active with, as the gateway tells this I-VAN after a CE007/CE044
    refusal (None: nothing active elsewhere any more, the unit may register at once)."""
    require(by, Capability.VIEW)
    unit = _own(by, unit)
    if not unit.unit_code:
        return None
    with gateway_client() as client:
        response = client.get(f"units/{unit.unit_code}/registration")
    if response.status_code != 200:
        rejection = GatewayRejection.from_response(response)
        raise EnrolmentRefused(rejection.message, code=rejection.code or "ENROLMENT_GATEWAY")
    answer = response.json()
    elsewhere = answer.get("active_elsewhere")
    if not answer.get("can_stop_previous") or not isinstance(elsewhere, dict):
        return None
    return PreviousProvider(
        channel=str(elsewhere.get("channel", "")),
        ivan_code=str(elsewhere.get("ivan_code", "")),
        label=str(elsewhere.get("provider", "")),
    )


def stop_prepare(
    *, by: Membership, unit: Unit, reasons: list[str], other_reason: str = ""
) -> Filing:
    """ "Ngừng dịch vụ" of the old provider, offered only after a CE007/CE044 refusal; the
    reason is ticked (or written). Signed by token or remotely through the engine."""
    require(by, Capability.PREPARE)
    unit = _own(by, unit)
    chosen = [reason for reason in reasons if reason in STOP_REASONS]
    other = " ".join(other_reason.split())
    if other:
        chosen.append(other)
    if not chosen:
        errors = Errors()
        errors.add("reasons", "REQUIRED", "Tích chọn lý do ngừng dịch vụ.")
        errors.raise_if_any()
    reason = " ".join(chosen)[:400]
    if unit.service_state != ServiceState.REFUSED or unit.refusal_code not in selectors.STOP_AFTER:
        raise EnrolmentRefused(
            "Chỉ ngừng dịch vụ của nhà cung cấp khác khi hồ sơ đăng ký qua I-VAN này bị từ "
            "chối với lý do CE007 (đã đăng ký với I-VAN khác) hoặc CE044 (đã đăng ký giao dịch "
            "tại Cổng thông tin BHXH Việt Nam).",
            code="ENROLMENT_STOP_NOT_ALLOWED",
        )
    provider = previous_provider(by=by, unit=unit)
    if provider is None:
        raise EnrolmentRefused(
            "Đơn vị không còn đăng ký với nhà cung cấp nào khác (đã ngừng trước đó). Nhấn "
            "“Đăng ký sử dụng” để đăng ký dịch vụ ngay.",
            code="ENROLMENT_ALREADY_STOPPED",
        )
    portal = provider.channel == "portal"
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        _signature(unit)
        _check_no_unsigned(unit)
        form = EserviceStopForm(
            unit_code=unit.unit_code,
            tax_code=unit.tax_code,
            ivan_code=settings.IVAN_CODE,
            target_channel=StopChannel.PORTAL if portal else StopChannel.IVAN,
            target_ivan_code="" if portal else provider.ivan_code,
            reason=reason,
            stopped_on=today_in_vietnam(),
        )
        filing = filing_create(
            actor=by.user,
            unit=unit,
            procedure_code=STOP,
            forms=[
                FormInput(
                    STOP,
                    "Tờ khai đăng ký ngừng sử dụng dịch vụ BHXH điện tử",
                    "06_NG_IVAN.xml",
                    build_stop(form),
                )
            ],
            purpose=f"Ngừng dịch vụ BHXH điện tử của {provider.label}",
            next_url=_page(unit),
        )
        _audit(by, "stop_prepared", unit, filing, provider=provider.label, reason=reason)
    return filing


def refresh(*, by: Membership, unit: Unit) -> int:
    """ "Cập nhật trạng thái": ask the gateway about the unit's open registration dossiers."""
    require(by, Capability.VIEW)
    unit = _own(by, unit)
    count = 0
    for filing in selectors.filings_of(unit).filter(state__in=["received", "processing"]):
        filing_refresh(filing=filing)
        count += 1
    return count
