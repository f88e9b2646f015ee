"""The roles a person can enter from the home page; each is its own deployable in production."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    key: str
    title: str | Promise
    audience: str | Promise
    url_name: str


ROLES: tuple[Role, ...] = (
    Role(
        "portal",
        _("Cổng dịch vụ công BHXH"),
        _("Tổ chức, cá nhân đăng ký tài khoản và giao dịch điện tử với cơ quan BHXH."),
        "agency:portal",
    ),
    Role(
        "ivan",
        _("I-VAN"),
        _("Kế toán, nhân sự của đơn vị khai báo, ký và nộp hồ sơ BHXH điện tử."),
        "ivan:home",
    ),
    Role(
        "esign",
        _("eSign — Ký số từ xa"),
        _("Người giữ chứng thư số xác nhận yêu cầu ký trên thiết bị của mình."),
        "esign:home",
    ),
    Role(
        "officer",
        _("Cán bộ BHXH"),
        _("Cán bộ cơ quan BHXH xử lý hồ sơ, cấp mã đơn vị, quản lý danh mục."),
        "agency:officer",
    ),
)
