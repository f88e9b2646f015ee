"""Input of the public reference pages, validated with field-level Vietnamese errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ebhxh.reference.calendar import FIRST_YEAR, LAST_YEAR


class DeadlineForm(forms.Form):
    received_on = forms.DateField(
        label=_("Ngày tiếp nhận"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Nhập ngày tiếp nhận hồ sơ."),
            "invalid": _("Ngày tiếp nhận phải có dạng ngày/tháng/năm, ví dụ 13/02/2026."),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    working_days = forms.IntegerField(
        label=_("Số ngày làm việc"),
        min_value=0,
        max_value=365,
        initial=3,
        error_messages={
            "required": _("Nhập số ngày làm việc."),
            "invalid": _("Số ngày làm việc phải là số nguyên."),
            "min_value": _("Số ngày làm việc không được âm."),
            "max_value": _("Số ngày làm việc tối đa là 365."),
        },
    )

    def clean_received_on(self) -> object:
        value = self.cleaned_data["received_on"]
        if not FIRST_YEAR <= value.year <= LAST_YEAR - 2:
            raise forms.ValidationError(
                _("Chỉ tính được cho ngày trong khoảng năm %(first)s–%(last)s."),
                code="out_of_range",
                params={"first": FIRST_YEAR, "last": LAST_YEAR - 2},
            )
        return value
