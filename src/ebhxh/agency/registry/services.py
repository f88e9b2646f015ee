"""Registry use cases other apps build on: connect an I-VAN, add an officer, register a unit.

Each is one transaction with its audit record, and refuses bad input with a `DomainError`
whose `code` is stable and whose `field` names the argument to correct, so a form can put
the Vietnamese message next to the right box. Identifier rules are `ebhxh.identifiers`'
own: their codes (MST_CHECK_DIGIT, PHONE_PREFIX, ...) pass through unchanged, so a unit
sees the same explanation from the registry as from `ebhxh check`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ebhxh.agency.registry.models import IvanConnection, Officer, Unit
from ebhxh.audit.services import audit_record
from ebhxh.core.errors import DomainError
from ebhxh.identifiers import IdentifierError, parse_phone, parse_tax_code, parse_unit_code
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.models import Agency, IvanProvider, Province

T = TypeVar("T")

_UNIT_NAME_MAX = Unit._meta.get_field("name").max_length or 300
_UNIT_ADDRESS_MAX = Unit._meta.get_field("address").max_length or 400
_OFFICER_NAME_MAX = Officer._meta.get_field("full_name").max_length or 200
_CALLBACK_URL = URLValidator(schemes=["https", "http"])


def _identifier(parse: Callable[[str], T], value: str, *, field: str) -> T:
    """Run an identifier check, reporting its failure against the service's argument."""
    try:
        return parse(value)
    except IdentifierError as error:
        raise DomainError(error.message, code=error.code, field=field) from error


def ivan_connection_register(
    *, provider_code: str, certificate_pem: str, callback_url: str, actor: str
) -> IvanConnection:
    """Connect a licensed I-VAN to the gateway with the certificate it will sign with.

    The fingerprint (SHA-256 of the DER certificate, lower-case hex) is what the gateway
    looks the caller up by, so one certificate serves one I-VAN only.
    """
    code = provider_code.strip()
    provider = IvanProvider.objects.filter(code=code, is_active=True).first()
    if provider is None:
        raise DomainError(
            f"Mã I-VAN '{code}' không có trong danh mục tổ chức I-VAN đang hoạt động.",
            code="IVAN_PROVIDER_UNKNOWN",
            field="provider_code",
        )
    certificate = _certificate(certificate_pem)
    fingerprint = fingerprint_sha256(certificate)
    url = callback_url.strip()
    if url:
        try:
            _CALLBACK_URL(url)
        except ValidationError as error:
            raise DomainError(
                "Địa chỉ nhận kết quả phải là URL http(s) đầy đủ, ví dụ "
                "https://ivan.example.vn/bhxh/callback.",
                code="IVAN_CALLBACK_URL_INVALID",
                field="callback_url",
            ) from error
    with transaction.atomic():
        if IvanConnection.objects.filter(provider=provider).exists():
            raise DomainError(
                f"I-VAN {provider.short_name} ({code}) đã có kết nối với cổng tiếp nhận.",
                code="IVAN_ALREADY_CONNECTED",
                field="provider_code",
            )
        if IvanConnection.objects.filter(certificate_fingerprint=fingerprint).exists():
            raise DomainError(
                "Chứng thư số này đã được một I-VAN khác dùng để kết nối.",
                code="IVAN_CERTIFICATE_IN_USE",
                field="certificate_pem",
            )
        connection = _create(
            lambda: IvanConnection.objects.create(
                provider=provider,
                certificate_pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
                certificate_fingerprint=fingerprint,
                callback_url=url,
            ),
            DomainError(
                "I-VAN hoặc chứng thư số vừa được kết nối bởi một yêu cầu khác.",
                code="IVAN_ALREADY_CONNECTED",
                field="provider_code",
            ),
        )
        audit_record(
            actor=actor,
            action="registry.ivan_connection_register",
            target=connection,
            data={"provider": code, "fingerprint": fingerprint, "callback_url": url},
        )
    return connection


def _certificate(pem: str) -> x509.Certificate:
    try:
        certificates = x509.load_pem_x509_certificates(pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
        raise DomainError(
            "Chứng thư số không đọc được: dán nguyên khối PEM từ dòng "
            "-----BEGIN CERTIFICATE----- đến -----END CERTIFICATE-----.",
            code="IVAN_CERTIFICATE_INVALID",
            field="certificate_pem",
        ) from error
    if len(certificates) != 1:
        raise DomainError(
            "Chỉ dán một chứng thư số (của I-VAN), không kèm chứng thư của CA.",
            code="IVAN_CERTIFICATE_INVALID",
            field="certificate_pem",
        )
    certificate = certificates[0]
    now = timezone.now()
    if certificate.not_valid_after_utc < now:
        raise DomainError(
            f"Chứng thư số đã hết hạn ngày {certificate.not_valid_after_utc:%d/%m/%Y}.",
            code="IVAN_CERTIFICATE_EXPIRED",
            field="certificate_pem",
        )
    if certificate.not_valid_before_utc > now:
        raise DomainError(
            f"Chứng thư số chỉ có hiệu lực từ ngày {certificate.not_valid_before_utc:%d/%m/%Y}.",
            code="IVAN_CERTIFICATE_NOT_YET_VALID",
            field="certificate_pem",
        )
    return certificate


def _create(make: Callable[[], T], duplicate: DomainError) -> T:
    """Insert in a savepoint; a unique constraint hit by a concurrent request becomes the
    same refusal the checks before it give."""
    try:
        with transaction.atomic():
            return make()
    except IntegrityError as error:
        raise duplicate from error


def officer_create(
    *, username: str, password: str, full_name: str, agency_code: str, actor: str
) -> Officer:
    """A staff account for a BHXH officer and the office they decide requests for."""
    user_model = get_user_model()
    login = username.strip()
    if not login:
        raise DomainError(
            "Chưa nhập tên đăng nhập.", code="OFFICER_USERNAME_EMPTY", field="username"
        )
    try:
        user_model.username_validator(login)
    except ValidationError as error:
        raise DomainError(
            "Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _ (tối đa 150 ký tự).",
            code="OFFICER_USERNAME_INVALID",
            field="username",
        ) from error
    name = " ".join(full_name.split())
    if not name:
        raise DomainError(
            "Chưa nhập họ và tên cán bộ.", code="OFFICER_NAME_EMPTY", field="full_name"
        )
    if len(name) > _OFFICER_NAME_MAX:
        raise DomainError(
            f"Họ và tên dài quá {_OFFICER_NAME_MAX} ký tự.",
            code="OFFICER_NAME_TOO_LONG",
            field="full_name",
        )
    agency = Agency.objects.filter(code=agency_code.strip(), is_active=True).first()
    if agency is None:
        raise DomainError(
            f"Mã cơ quan BHXH '{agency_code.strip()}' không có hoặc đã ngừng hoạt động.",
            code="OFFICER_AGENCY_UNKNOWN",
            field="agency_code",
        )
    try:
        validate_password(password, user=user_model(username=login))
    except ValidationError as error:
        raise DomainError(
            "Mật khẩu chưa đủ mạnh: " + " ".join(error.messages),
            code="OFFICER_PASSWORD_WEAK",
            field="password",
        ) from error
    taken = DomainError(
        f"Tên đăng nhập '{login}' đã có người dùng.",
        code="OFFICER_USERNAME_TAKEN",
        field="username",
    )
    with transaction.atomic():
        if user_model._default_manager.filter(username__iexact=login).exists():
            raise taken
        user = _create(
            lambda: user_model._default_manager.create_user(
                username=login, password=password, is_staff=True
            ),
            taken,
        )
        officer = Officer.objects.create(user=user, agency=agency, full_name=name)
        audit_record(
            actor=actor,
            action="registry.officer_create",
            target=officer,
            data={"username": login, "agency": agency.code, "full_name": name},
        )
    return officer


def unit_create(
    *,
    unit_code: str,
    tax_code: str,
    name: str,
    address: str,
    province_code: str,
    managing_agency_code: str,
    email: str,
    phone: str,
    actor: str,
) -> Unit:
    """Register a unit (employer) under the BHXH cơ sở that will manage it.

    Codes are stored normalised (upper-case unit code, MST as `parse_tax_code` writes it,
    phone as 0XXXXXXXXX), which is what the gateway's equality look-ups expect.
    """
    code = _identifier(parse_unit_code, unit_code, field="unit_code")
    tax = _identifier(parse_tax_code, tax_code, field="tax_code")
    if code.target_group == "DN" and not tax.is_branch and code.enterprise_number != tax.value:
        raise DomainError(
            f"Mã đơn vị {code.value} phải bắt đầu bằng mã số thuế {tax.value} của doanh nghiệp.",
            code="UNIT_CODE_TAX_CODE_MISMATCH",
            field="unit_code",
        )
    clean_name = _text(name, field="name", label="Tên đơn vị", limit=_UNIT_NAME_MAX)
    clean_address = _text(address, field="address", label="Địa chỉ", limit=_UNIT_ADDRESS_MAX)
    province = Province.objects.filter(code=province_code.strip()).first()
    if province is None:
        raise DomainError(
            f"Mã tỉnh, thành phố '{province_code.strip()}' không có trong danh mục.",
            code="UNIT_PROVINCE_UNKNOWN",
            field="province_code",
        )
    agency = Agency.objects.filter(code=managing_agency_code.strip(), is_active=True).first()
    if agency is None:
        raise DomainError(
            f"Mã cơ quan BHXH '{managing_agency_code.strip()}' không có hoặc đã ngừng hoạt động.",
            code="UNIT_AGENCY_UNKNOWN",
            field="managing_agency_code",
        )
    if agency.level != Agency.Level.LOCAL:
        raise DomainError(
            f"{agency.name} không phải BHXH cơ sở: đơn vị do BHXH cơ sở quản lý.",
            code="UNIT_AGENCY_NOT_LOCAL",
            field="managing_agency_code",
        )
    if agency.province_id != province.code:
        raise DomainError(
            f"{agency.name} không thuộc {province.name}.",
            code="UNIT_AGENCY_PROVINCE_MISMATCH",
            field="managing_agency_code",
        )
    clean_email = email.strip()
    if clean_email:
        try:
            validate_email(clean_email)
        except ValidationError as error:
            raise DomainError(
                f"Địa chỉ thư điện tử '{clean_email}' không hợp lệ.",
                code="UNIT_EMAIL_INVALID",
                field="email",
            ) from error
    clean_phone = _identifier(parse_phone, phone, field="phone").national if phone.strip() else ""
    taken = DomainError(
        f"Mã đơn vị {code.value} đã được cấp cho đơn vị khác.",
        code="UNIT_CODE_TAKEN",
        field="unit_code",
    )
    with transaction.atomic():
        if Unit.objects.filter(unit_code=code.value).exists():
            raise taken
        unit = _create(
            lambda: Unit.objects.create(
                unit_code=code.value,
                tax_code=tax.value,
                name=clean_name,
                address=clean_address,
                province=province,
                managing_agency=agency,
                email=clean_email,
                phone=clean_phone,
            ),
            taken,
        )
        audit_record(
            actor=actor,
            action="registry.unit_create",
            target=unit,
            data={
                "unit_code": unit.unit_code,
                "tax_code": unit.tax_code,
                "name": unit.name,
                "managing_agency": agency.code,
            },
        )
    return unit


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    text = " ".join(value.split())
    code = f"UNIT_{field.upper()}"
    if not text:
        raise DomainError(f"Chưa nhập {label.lower()}.", code=f"{code}_EMPTY", field=field)
    if len(text) > limit:
        raise DomainError(f"{label} dài quá {limit} ký tự.", code=f"{code}_TOO_LONG", field=field)
    return text
