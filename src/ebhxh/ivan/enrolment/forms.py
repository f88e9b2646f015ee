"""Forms of the registration wizard: they shape the input; the rules live in `services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ebhxh.identifiers import TARGET_GROUPS
from ebhxh.ivan.enrolment import services
from ebhxh.ivan.forms import ServiceValidated


class ContactForm(ServiceValidated):
    """04/ĐK-IVAN: who BHXH writes to (the activation code goes to this email)."""

    service_required: tuple[str, ...] = ("contact_name", "contact_email", "contact_phone")
    contact_name = forms.CharField(label=_("Người liên hệ"), max_length=150)
    contact_email = forms.CharField(
        label=_("Email nhận mã kích hoạt và kết quả"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Điện thoại di động"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def contact(self) -> services.ContactInput:
        data = self.cleaned_data
        return services.ContactInput(
            contact_name=data.get("contact_name") or "",
            contact_email=data.get("contact_email") or "",
            contact_phone=data.get("contact_phone") or "",
        )


class UnitCodeRequestForm(ContactForm):
    """TK3-TS (HSDKLanDau): every field of `UnitCodeRequestForm` the unit declares."""

    service_required = (
        "unit_name",
        "address",
        "managing_agency",
        "target_group",
        "business_type",
        *ContactForm.service_required,
    )
    field_order = [
        "unit_name",
        "address",
        "managing_agency",
        "target_group",
        "business_type",
        "contact_name",
        "contact_email",
        "contact_phone",
    ]
    unit_name = forms.CharField(label=_("Tên đơn vị (theo giấy phép kinh doanh)"), max_length=300)
    address = forms.CharField(label=_("Địa chỉ trụ sở"), max_length=300)
    managing_agency = forms.ChoiceField(label=_("Cơ quan BHXH quản lý"))
    target_group = forms.ChoiceField(
        label=_("Nhóm đối tượng"),
        choices=[("", "—")] + [(code, f"{code} – {text}") for code, text in TARGET_GROUPS.items()],
    )
    business_type = forms.CharField(
        label=_("Loại hình (một chữ cái và hai chữ số)"),
        max_length=3,
        help_text=_("Ví dụ A03: ba ký tự cuối của mã đơn vị theo cấu trúc 2025."),
    )

    def __init__(self, *args: Any, province_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = services.local_agencies(province_code)
        field = self.fields["managing_agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(a.code, f"{a.code} – {a.name}") for a in agencies]

    def request_input(self) -> services.UnitCodeRequestInput:
        data = self.cleaned_data
        return services.UnitCodeRequestInput(
            unit_name=data.get("unit_name") or "",
            address=data.get("address") or "",
            managing_agency=data.get("managing_agency") or "",
            target_group=data.get("target_group") or "",
            business_type=data.get("business_type") or "",
            contact_name=data.get("contact_name") or "",
            contact_email=data.get("contact_email") or "",
            contact_phone=data.get("contact_phone") or "",
        )


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Mã kích hoạt"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "placeholder": "ABCD-EFGH"}),
    )


class UnitCodeForm(forms.Form):
    unit_code = forms.CharField(
        label=_("Mã đơn vị do cơ quan BHXH cấp"), max_length=15, required=False
    )


class StopForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("Lý do ngừng"),
        choices=[(reason, reason) for reason in services.STOP_REASONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_reason = forms.CharField(label=_("Lý do khác"), max_length=300, required=False)
