"""Forms of the organisation-account pages (seed 001). The rules live in `organisation` and
`organisation_services`; forms carry their errors to the right field, in Vietnamese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ebhxh.agency.portal import organisation_selectors as selectors
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.forms import add_errors
from ebhxh.agency.portal.models import TransactAt
from ebhxh.agency.portal.organisation import OrganisationApplication, validate_organisation
from ebhxh.agency.registrations import codes
from ebhxh.reference.selectors import provinces

ORGANISATION = "organisation"
INDIVIDUAL = "individual"


class ChooseForm(forms.Form):
    """ "Đăng ký": who registers."""

    kind = forms.ChoiceField(
        label=_("Đối tượng đăng ký"),
        choices=[(ORGANISATION, _("Cơ quan/Tổ chức")), (INDIVIDUAL, _("Cá nhân"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn Cơ quan/Tổ chức hoặc Cá nhân.")},
    )


def _text(label: Any, *, max_length: int, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": _("Dài quá %(limit_value)d ký tự.")},
    )


def _agency_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for agency in selectors.local_agencies():
        province = agency.province
        key = province.code if province else ""
        label = province.name if province else ""
        groups.setdefault(key, (label, []))[1].append((agency.code, agency.name))
    return [("", [("", "— Chọn cơ quan BHXH quản lý trực tiếp —")])] + [
        (label, options) for _, (label, options) in sorted(groups.items())
    ]


class OrganisationForm(forms.Form):
    """Step 14-17 of seed 001. Every field is checked by `validate_organisation`."""

    province = forms.ChoiceField(label=_("Cơ quan BHXH cấp tỉnh/thành phố"), required=False)
    agency_code = forms.ChoiceField(label=_("Cơ quan BHXH quản lý trực tiếp"), required=False)
    unit_name = _text(_("Tên cơ quan/Tổ chức"), max_length=300, autocomplete="organization")
    unit_code = _text(
        _("Mã số bảo hiểm xã hội (mã đơn vị)"),
        max_length=20,
        autocomplete="off",
        placeholder="TA0123K",
    )
    address = _text(_("Địa chỉ liên hệ"), max_length=400, autocomplete="street-address")
    contact_name = _text(
        _("Người liên hệ (người phụ trách BHXH của đơn vị)"), max_length=200, autocomplete="name"
    )
    phone = _text(_("Điện thoại di động"), max_length=20, inputmode="tel", autocomplete="tel")
    email = _text(_("Thư điện tử"), max_length=254, inputmode="email", autocomplete="email")
    uses_certificate = forms.BooleanField(
        label=_("Sử dụng chứng thư số"),
        required=False,
        initial=True,
        help_text=_(
            "Không dùng chứng thư số (chữ ký số): sau khi soạn xong, in tờ khai và nộp bản "
            "giấy trực tiếp tại cơ quan BHXH quản lý."
        ),
    )
    transact_at = forms.ChoiceField(
        label=_("Đăng ký giao dịch tại"),
        required=False,
        choices=TransactAt.choices,
        initial=TransactAt.PORTAL,
        widget=forms.RadioSelect,
        help_text=_(
            "Khi dùng dịch vụ của tổ chức I-VAN, đơn vị kê khai hồ sơ BHXH trên phần mềm của "
            "tổ chức I-VAN và phải trả phí để sử dụng."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Xác nhận đăng ký: thông tin kê khai trên là đúng sự thật."),
        error_messages={"required": _("Tích chọn ô “Xác nhận đăng ký” để tiếp tục.")},
    )

    application: OrganisationApplication

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = self.fields["province"]
        assert isinstance(province_field, forms.ChoiceField)
        province_field.choices = [("", _("— Chọn tỉnh, thành phố —"))] + [
            (p.code, p.name) for p in provinces()
        ]
        agency_field = self.fields["agency_code"]
        assert isinstance(agency_field, forms.ChoiceField)
        agency_field.choices = _agency_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.application = validate_organisation(data)
        except InvalidInput as error:
            add_errors(self, error)
        province = data.get("province")
        code = data.get("agency_code")
        if not province:
            self.add_error(
                "province",
                forms.ValidationError(
                    _("Chọn cơ quan BHXH cấp tỉnh, thành phố."), code="ORG_PROVINCE"
                ),
            )
        elif (
            code and not selectors.local_agencies().filter(code=code, province_id=province).exists()
        ):
            self.add_error(
                "agency_code",
                forms.ValidationError(
                    _("Cơ quan BHXH đã chọn không thuộc tỉnh, thành phố đã chọn."),
                    code="ORG_AGENCY",
                ),
            )
        return data


class ActivationForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác nhận"),
        max_length=20,
        help_text=_("Mã kích hoạt 8 ký tự trong thư điện tử của cơ quan BHXH, ví dụ ABCD-EFGH."),
        error_messages={"required": _("Nhập mã kích hoạt đã nhận qua thư điện tử.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}),
    )

    def clean_code(self) -> str:
        value = codes.normalise(self.cleaned_data["code"])
        if len(value) != codes.LENGTH or any(char not in codes.ALPHABET for char in value):
            raise forms.ValidationError(
                _("Mã kích hoạt gồm %(length)s chữ cái và chữ số, như trong thư điện tử."),
                code="ORG_CODE_FORMAT",
                params={"length": codes.LENGTH},
            )
        return value
