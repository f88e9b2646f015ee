"""Portal forms. The rules live in `declaration` and the services; forms only carry their
errors to the right field, in Vietnamese, with the rule's code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from ebhxh.agency.portal import selectors
from ebhxh.agency.portal.auth import normalise_username
from ebhxh.agency.portal.declaration import Declaration, DeclarationInvalid, validate_declaration
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import RegistrationStatus, ResetChannel
from ebhxh.reference.selectors import provinces
from ebhxh.vntime import today_in_vietnam


def add_errors(
    form: forms.Form, error: InvalidInput, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's field errors on the form's fields (`aliases` maps a service's argument
    to the form field that carries it); errors of no field go on the form itself."""
    for name, errors in error.errors.items():
        name = (aliases or {}).get(name, name)
        target = name if name in form.fields else None
        for item in errors:
            form.add_error(target, forms.ValidationError(item.message, code=item.code))


def _text(label: Any, *, max_length: int, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": _("Dài quá %(limit_value)d ký tự.")},
    )


class Mau01Form(forms.Form):
    """Mẫu số 01: the person's details. Every field is checked by `validate_declaration`."""

    full_name = _text(_("Họ và tên"), max_length=200, autocomplete="name")
    birth_date = forms.CharField(
        label=_("Ngày sinh"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    gender = forms.ChoiceField(
        label=_("Giới tính"),
        required=False,
        choices=[("male", _("Nam")), ("female", _("Nữ"))],
        widget=forms.RadioSelect,
    )
    citizen_id = _text(
        _("Số CCCD (số định danh cá nhân)"), max_length=20, inputmode="numeric", autocomplete="off"
    )
    insurance_number = _text(_("Mã số BHXH"), max_length=20, inputmode="numeric")
    phone = _text(_("Điện thoại di động"), max_length=20, inputmode="tel", autocomplete="tel")
    email = _text(_("Thư điện tử (không bắt buộc)"), max_length=254, autocomplete="email")
    address = _text(_("Địa chỉ liên hệ"), max_length=400, autocomplete="street-address")

    declaration: Declaration

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.declaration = validate_declaration(data)
        except DeclarationInvalid as error:
            add_errors(self, error)
        return data


def _agency_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for agency in selectors.reception_agencies():
        province = agency.province
        key = province.code if province else ""
        label = province.name if province else ""
        groups.setdefault(key, (label, []))[1].append((agency.code, agency.name))
    return [("", [("", "— Chọn BHXH cơ sở —")])] + [
        (label, options) for _, (label, options) in sorted(groups.items())
    ]


class ReceptionForm(Mau01Form):
    """Without a certificate: the person also picks where to present the form."""

    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False)
    reception_agency = forms.ChoiceField(
        label=_("Nơi tiếp nhận hồ sơ (BHXH cơ sở)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = self.fields["province"]
        assert isinstance(province_field, forms.ChoiceField)
        province_field.choices = [("", _("— Chọn tỉnh, thành phố —"))] + [
            (p.code, p.name) for p in provinces()
        ]
        agency_field = self.fields["reception_agency"]
        assert isinstance(agency_field, forms.ChoiceField)
        agency_field.choices = _agency_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        province = data.get("province")
        code = data.get("reception_agency")
        if not province:
            self.add_error(
                "province",
                forms.ValidationError(_("Chọn tỉnh, thành phố."), code="DECL_PROVINCE"),
            )
        if not code:
            self.add_error(
                "reception_agency",
                forms.ValidationError(
                    _("Chọn nơi tiếp nhận hồ sơ (BHXH cơ sở)."), code="DECL_RECEPTION_AGENCY"
                ),
            )
        elif (
            province
            and not selectors.reception_agencies().filter(code=code, province_id=province).exists()
        ):
            self.add_error(
                "reception_agency",
                forms.ValidationError(
                    _("BHXH cơ sở đã chọn không thuộc tỉnh, thành phố đã chọn."),
                    code="DECL_RECEPTION_AGENCY",
                ),
            )
        return data


class CounterForm(Mau01Form):
    """A paper form entered by the counter officer, with the day it was handed in."""

    received_on = forms.DateField(
        label=_("Ngày nhận hồ sơ"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Nhập ngày nhận hồ sơ."),
            "invalid": _("Ngày nhận hồ sơ phải có dạng ngày/tháng/năm."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = today_in_vietnam

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > today_in_vietnam():
            raise forms.ValidationError(
                _("Ngày nhận hồ sơ không thể sau hôm nay."), code="DECL_RECEIVED_FUTURE"
            )
        return value


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Tôi cam đoan những thông tin kê khai trên là đúng sự thật."),
        error_messages={"required": _("Đánh dấu ô xác nhận để gửi tờ khai.")},
    )


class LoginForm(AuthenticationForm):
    """Username is the CCCD (person) or the unit code (organisation)."""

    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Sau %(limit)s lần sai liên tiếp, "
            "đăng nhập bị tạm khoá %(minutes)s phút."
        ),
        "inactive": _("Tài khoản này đã bị khoá. Liên hệ cơ quan BHXH để được hỗ trợ."),
        "not_portal": _("Tài khoản này không dùng để đăng nhập cổng dịch vụ công."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập (số CCCD hoặc mã đơn vị)")
        self.fields["username"].error_messages["required"] = _("Nhập tên đăng nhập.")
        self.fields["password"].label = _("Mật khẩu")
        self.fields["password"].error_messages["required"] = _("Nhập mật khẩu.")

    def clean_username(self) -> str:
        return normalise_username(self.cleaned_data.get("username") or "")

    def get_invalid_login_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.PORTAL_LOGIN_FAILURE_LIMIT,
                "minutes": settings.PORTAL_LOGIN_COOLOFF_MINUTES,
            },
        )

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if selectors.account_of(user) is None:
            raise forms.ValidationError(self.error_messages["not_portal"], code="not_portal")


def _password(label: Any, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Nhập mật khẩu.")},
    )


class _NewPasswordForm(forms.Form):
    new_password1 = _password(_("Mật khẩu mới"), "new-password")
    new_password2 = _password(_("Nhập lại mật khẩu mới"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    _("Hai lần nhập mật khẩu mới không giống nhau."), code="password_mismatch"
                ),
            )
        return data


class PasswordChangeForm(_NewPasswordForm):
    old_password = _password(_("Mật khẩu hiện tại"), "current-password")
    field_order = ["old_password", "new_password1", "new_password2"]


class ResetRequestForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập (số CCCD hoặc mã đơn vị)"),
        max_length=20,
        error_messages={"required": _("Nhập tên đăng nhập.")},
    )
    channel = forms.ChoiceField(
        label=_("Nhận mã xác nhận qua"),
        choices=ResetChannel.choices,
        initial=ResetChannel.SMS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn nơi nhận mã xác nhận.")},
    )


class ResetCompleteForm(_NewPasswordForm):
    username = forms.CharField(
        label=_("Tên đăng nhập (số CCCD hoặc mã đơn vị)"),
        max_length=20,
        error_messages={"required": _("Nhập tên đăng nhập.")},
    )
    code = forms.CharField(
        label=_("Mã xác nhận (6 chữ số)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("Nhập mã xác nhận đã nhận được.")},
    )
    field_order = ["username", "code", "new_password1", "new_password2"]


class LookupForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Số tờ khai"),
        max_length=20,
        error_messages={"required": _("Nhập số tờ khai, ví dụ M01-2026-0000123.")},
    )
    citizen_id = forms.CharField(
        label=_("Số CCCD đã kê khai"),
        max_length=12,
        error_messages={"required": _("Nhập số CCCD đã kê khai.")},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do không chấp nhận"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Ghi rõ lý do không chấp nhận.")},
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Số CCCD, số tờ khai hoặc mã số BHXH"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    overdue = forms.BooleanField(label=_("Chỉ tờ khai quá hạn"), required=False)

    def __init__(self, *args: Any, statuses: list[RegistrationStatus], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [(s.value, s.label) for s in statuses]
