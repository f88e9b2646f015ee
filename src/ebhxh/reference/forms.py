"""Input of the public reference pages, validated with field-level Vietnamese errors."""

from __future__ import annotations

from django import forms

from ebhxh.reference.calendar import FIRST_YEAR, LAST_YEAR


class DeadlineForm(forms.Form):
    received_on = forms.DateField(
        label="Ngày tiếp nhận",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Nhập ngày tiếp nhận hồ sơ.",
            "invalid": "Ngày tiếp nhận phải có dạng ngày/tháng/năm, ví dụ 13/02/2026.",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    working_days = forms.IntegerField(
        label="Số ngày làm việc",
        min_value=0,
        max_value=365,
        initial=3,
        error_messages={
            "required": "Nhập số ngày làm việc.",
            "invalid": "Số ngày làm việc phải là số nguyên.",
            "min_value": "Số ngày làm việc không được âm.",
            "max_value": "Số ngày làm việc tối đa là 365.",
        },
    )

    def clean_received_on(self) -> object:
        value = self.cleaned_data["received_on"]
        if not FIRST_YEAR <= value.year <= LAST_YEAR - 2:
            raise forms.ValidationError(
                f"Chỉ tính được cho ngày trong khoảng năm {FIRST_YEAR}–{LAST_YEAR - 2}.",
                code="out_of_range",
            )
        return value
