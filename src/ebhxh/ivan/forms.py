"""Forms of the I-VAN pages: the employee-sheet check, accounts, structure, units, signatures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ebhxh.ivan.models import Company, OrgNode, Role
from ebhxh.ivan.services import CompanyInput, OrgNodeInput, UnitInput
from ebhxh.ivan.validation import InvalidInput
from ebhxh.reference.models import Province

MAX_SHEET_BYTES = 5 * 1024 * 1024


class EmployeeSheetForm(forms.Form):
    sheet = forms.FileField(
        label=_("Tệp danh sách lao động (.xlsx hoặc .csv)"),
        error_messages={
            "required": _("Chọn tệp danh sách lao động để kiểm tra."),
            "empty": _("Tệp đã chọn không có dữ liệu."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_sheet(self) -> object:
        sheet = self.cleaned_data["sheet"]
        if sheet.size > MAX_SHEET_BYTES:
            raise forms.ValidationError(
                _(
                    "Tệp lớn hơn 5 MB. Tách danh sách thành nhiều tệp nhỏ hơn "
                    "rồi kiểm tra lần lượt."
                ),
                code="too_large",
            )
        return sheet


# --- accounts, company, structure, units, signatures ----------------------------------------
# The forms only shape the input; the rules live in `services` (and `validation`), whose
# InvalidInput comes back to the fields through `apply_errors`.

MAX_ORG_SHEET_BYTES = 2 * 1024 * 1024


def apply_errors(
    form: forms.Form, error: InvalidInput, *, aliases: dict[str, str] | None = None
) -> None:
    """Put each service error next to its field (or on top when the form has no such field)."""
    for name, found in error.errors.items():
        target = (aliases or {}).get(name, name)
        for item in found:
            form.add_error(
                target if target in form.fields else None,
                forms.ValidationError(item.message, code=item.code),
            )


class ServiceValidated(forms.Form):
    """Fields the service checks are optional here, so one submit shows every error (the
    service's, with their codes) instead of Django's "required" first and the rest later."""

    service_required: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.service_required:
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].show_required = True  # type: ignore[attr-defined]


def _province_field(*, required: bool, label: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label or _("Tỉnh/thành phố trực thuộc TW"),
        queryset=Province.objects.order_by("name"),
        required=required,
        empty_label=_("— Chọn tỉnh, thành phố —"),
        error_messages={"required": _("Chọn tỉnh, thành phố trực thuộc trung ương.")},
    )


class CompanyForm(ServiceValidated):
    service_required = ("name", "tax_code")

    name = forms.CharField(label=_("Tên công ty"), max_length=300)
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=14,
        help_text=_("10 chữ số, hoặc dạng chi nhánh 0123456789-001."),
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    province = _province_field(required=False, label=_("Tỉnh/thành phố"))
    contact_email = forms.EmailField(label=_("Email liên hệ"), required=False)
    contact_phone = forms.CharField(
        label=_("Điện thoại di động liên hệ"), max_length=20, required=False
    )

    def __init__(self, *args: Any, fixed_tax_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_tax_code:
            self.fields["tax_code"].disabled = True
            self.fields["tax_code"].help_text = _("MST là định danh của công ty, không sửa được.")

    def company_input(self) -> CompanyInput:
        data = self.cleaned_data
        province = data.get("province")
        return CompanyInput(
            name=data.get("name") or "",
            tax_code=data.get("tax_code") or "",
            address=data.get("address", ""),
            province_code=province.code if province else "",
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
        )


class NewUserMixin(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Tối thiểu 10 ký tự, không chỉ gồm chữ số, không quá giống tên đăng nhập."),
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error(
                "password2",
                forms.ValidationError(
                    _("Hai lần nhập mật khẩu không giống nhau."), code="PASSWORD_MISMATCH"
                ),
            )
        return data


class SignupForm(NewUserMixin, CompanyForm):
    email = forms.EmailField(label=_("Email của bạn"))
    field_order = [
        "name", "tax_code", "address", "province", "contact_email", "contact_phone",
        "full_name", "email", "username", "password1", "password2",
    ]  # fmt: skip


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email người được mời"))
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices, initial=Role.PREPARER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)


class AcceptInvitationForm(NewUserMixin):
    pass


class OrgNodeForm(ServiceValidated):
    service_required = ("code", "name")

    code = forms.CharField(label=_("Mã"), max_length=50)
    name = forms.CharField(label=_("Tên"), max_length=300)
    parent = forms.ModelChoiceField(
        label=_("Đơn vị cha"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("— Trực thuộc công ty —"),
    )
    tax_code = forms.CharField(label=_("MST"), max_length=14, required=False)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    province = _province_field(required=False, label=_("Tỉnh/thành phố"))

    def __init__(
        self, *args: Any, company: Company, exclude: OrgNode | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        nodes = OrgNode.objects.filter(company=company).order_by("code")
        if exclude is not None:
            nodes = nodes.exclude(pk=exclude.pk)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = nodes

    def node_input(self) -> OrgNodeInput:
        data = self.cleaned_data
        return OrgNodeInput(
            code=data.get("code") or "",
            name=data.get("name") or "",
            parent_id=data["parent"].pk if data.get("parent") else None,
            tax_code=data.get("tax_code", ""),
            address=data.get("address", ""),
            province_code=data["province"].code if data.get("province") else "",
        )


class OrgSheetForm(forms.Form):
    sheet = forms.FileField(
        label=_("Tệp cơ cấu tổ chức (.xlsx hoặc .csv)"),
        error_messages={
            "required": _("Chọn tệp cơ cấu tổ chức để kiểm tra."),
            "empty": _("Tệp đã chọn không có dữ liệu."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_sheet(self) -> object:
        sheet = self.cleaned_data["sheet"]
        if sheet.size > MAX_ORG_SHEET_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn 2 MB. Tách cơ cấu tổ chức thành nhiều tệp rồi nhập lần lượt."),
                code="too_large",
            )
        return sheet


class UnitForm(ServiceValidated):
    """Thêm mới đơn vị as seed 000 §3.2 lays it out."""

    service_required = ("name", "province", "tax_code")

    name = forms.CharField(
        label=_("Tên đơn vị"),
        max_length=300,
        help_text=_("Nhập tên đơn vị/chi nhánh theo giấy phép kinh doanh."),
    )
    province = _province_field(required=True)
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=14,
        help_text=_("10 chữ số; chi nhánh: 13 chữ số dạng 0123456789-001."),
    )
    first_time = forms.BooleanField(label=_("Là đơn vị tham gia BHXH lần đầu"), required=False)
    unit_code = forms.CharField(
        label=_("Mã đơn vị (BHXH cấp)"),
        max_length=20,
        required=False,
        help_text=_("Mã 7 ký tự (ví dụ TZH490L) hoặc 15 ký tự (ví dụ 0123456789DNA03)."),
    )
    contact_email = forms.EmailField(
        label=_("Email nhận thông báo của BHXH"),
        required=False,
        help_text=_("Mã kích hoạt và kết quả xử lý hồ sơ được gửi về địa chỉ này."),
    )
    org_node = forms.ModelChoiceField(
        label=_("Thuộc cơ cấu tổ chức"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("— Không chọn —"),
    )

    def __init__(
        self, *args: Any, company: Company, fixed_tax_code: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        node = self.fields["org_node"]
        assert isinstance(node, forms.ModelChoiceField)
        node.queryset = OrgNode.objects.filter(company=company).order_by("code")
        if fixed_tax_code:
            self.fields["tax_code"].disabled = True

    def unit_input(self) -> UnitInput:
        data = self.cleaned_data
        return UnitInput(
            name=data.get("name") or "",
            province_code=data["province"].code if data.get("province") else "",
            tax_code=data.get("tax_code") or "",
            first_time=bool(data.get("first_time")),
            unit_code=""
            if data.get("first_time") and not data.get("unit_code")
            else data.get("unit_code", ""),
            contact_email=data.get("contact_email", ""),
            org_node_id=data["org_node"].pk if data.get("org_node") else None,
        )


class RemoteLoginForm(forms.Form):
    provider_url = forms.ChoiceField(label=_("Nhà cung cấp ký số từ xa"), choices=())
    username = forms.CharField(label=_("Tài khoản ký số từ xa"), max_length=150)
    password = forms.CharField(
        label=_("Mật khẩu"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Chỉ dùng để đăng nhập lấy danh sách chứng thư số; không được lưu lại."),
    )

    def __init__(self, *args: Any, providers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider_url"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(url, url) for url in providers]


class RemoteChoiceForm(forms.Form):
    credential = forms.ChoiceField(
        label=_("Chứng thư số dùng để ký nộp hồ sơ"),
        widget=forms.RadioSelect,
        choices=(),
        error_messages={"required": _("Chọn một chứng thư số.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["credential"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
