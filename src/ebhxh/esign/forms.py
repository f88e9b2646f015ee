"""Forms of the device page: log in with the holder account, confirm with the PIN."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeviceLoginForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    password = forms.CharField(label=_("Mật khẩu"), strip=False, widget=forms.PasswordInput)


class DeviceConfirmForm(forms.Form):
    pin = forms.RegexField(
        label=_("Mã PIN"),
        regex=r"^[0-9]{4,12}$",
        error_messages={"invalid": _("Mã PIN gồm 4 đến 12 chữ số.")},
        widget=forms.PasswordInput,
    )
