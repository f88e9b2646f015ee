"""Input of the portal activation page and the officer console, with field-level Vietnamese
errors. Forms only check shape; rules stay in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ebhxh.agency.registrations import codes
from ebhxh.agency.registrations.models import (
    Channel,
    RegistrationStatus,
    UnitCodeRequestStatus,
)
from ebhxh.agency.registrations.selectors import QueueFilters
from ebhxh.dossiers.transport import NUMBER_PATTERN
from ebhxh.identifiers import TARGET_GROUPS, IdentifierError, parse_unit_code
from ebhxh.reference.models import Province


class ActivationForm(forms.Form):
    """Seed 000: the contact enters the emailed code with the unit code or dossier number."""

    identifier = forms.CharField(
        label=_("Mã đơn vị hoặc số hồ sơ"),
        max_length=24,
        help_text=_("Ví dụ mã đơn vị TA0123K hoặc số hồ sơ 00012/2026/01001."),
        error_messages={"required": _("Nhập mã đơn vị hoặc số hồ sơ ghi trong thư điện tử.")},
    )
    code = forms.CharField(
        label=_("Mã kích hoạt"),
        max_length=20,
        help_text=_("8 ký tự trong thư điện tử của cơ quan BHXH, ví dụ ABCD-EFGH."),
        error_messages={"required": _("Nhập mã kích hoạt.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
    )

    def clean_identifier(self) -> dict[str, str]:
        value = self.cleaned_data["identifier"].strip()
        if NUMBER_PATTERN.match(value):
            return {"dossier_number": value}
        try:
            return {"unit_code": parse_unit_code(value).value}
        except IdentifierError:
            raise forms.ValidationError(
                _(
                    "“%(value)s” không phải mã đơn vị (7 hoặc 15 ký tự) hay số hồ sơ "
                    "(dạng 00012/2026/01001)."
                ),
                code="invalid",
                params={"value": value},
            ) from None

    def clean_code(self) -> str:
        value = codes.normalise(self.cleaned_data["code"])
        if len(value) != codes.LENGTH or any(char not in codes.ALPHABET for char in value):
            raise forms.ValidationError(
                _("Mã kích hoạt gồm %(length)s chữ cái và chữ số, như trong thư điện tử."),
                code="invalid",
                params={"length": codes.LENGTH},
            )
        return value


class _QueueForm(forms.Form):
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False)
    agency = forms.RegexField(
        label=_("Mã cơ quan BHXH"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("Mã cơ quan BHXH gồm đúng 5 chữ số.")},
    )
    date_from = forms.DateField(
        label=_("Nộp từ ngày"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày phải có dạng ngày/tháng/năm.")},
    )
    date_to = forms.DateField(
        label=_("đến ngày"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày phải có dạng ngày/tháng/năm.")},
    )
    search = forms.CharField(label=_("MST hoặc tên đơn vị"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province = self.fields["province"]
        assert isinstance(province, forms.ChoiceField)
        province.choices = [
            ("", _("Tất cả")),
            *((p.code, p.name) for p in Province.objects.order_by("code")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            province=data.get("province") or "",
            agency=data.get("agency") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            search=data.get("search") or "",
        )


class UnitCodeQueueForm(_QueueForm):
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), *UnitCodeRequestStatus.choices],
    )
    field_order = ["status", "province", "agency", "date_from", "date_to", "search"]


class RegistrationQueueForm(_QueueForm):
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), *RegistrationStatus.choices],
    )
    channel = forms.ChoiceField(
        label=_("Kênh"), required=False, choices=[("", _("Tất cả")), *Channel.choices]
    )
    field_order = ["status", "channel", "province", "agency", "date_from", "date_to", "search"]


class ApproveForm(forms.Form):
    """The officer may correct the target group and business type before the code is made."""

    target_group = forms.ChoiceField(
        label=_("Nhóm đối tượng"),
        choices=[(key, f"{key} – {name}") for key, name in TARGET_GROUPS.items()],
    )
    business_type = forms.RegexField(
        label=_("Loại hình"),
        regex=r"^[A-Za-z]\d{2}$",
        max_length=3,
        error_messages={
            "invalid": _("Loại hình gồm một chữ cái và hai chữ số, ví dụ A03."),
            "required": _("Nhập loại hình."),
        },
    )

    def clean_business_type(self) -> str:
        return str(self.cleaned_data["business_type"]).upper()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do từ chối"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Đơn vị nhận lý do này qua thư điện tử; ghi rõ cần sửa hoặc bổ sung gì."),
        error_messages={"required": _("Nhập lý do từ chối để đơn vị biết cần sửa gì.")},
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(
                _("Nhập lý do từ chối để đơn vị biết cần sửa gì."), code="required"
            )
        return value
