"""Upload of an employee sheet to check before filing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
