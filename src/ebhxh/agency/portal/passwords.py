"""The portal's password policy: strength rules, history, ageing and generated passwords.

The rules are Django password validators listed in `PORTAL_PASSWORD_VALIDATORS` (the same
format as AUTH_PASSWORD_VALIDATORS), so an operator tunes them in settings; Django's own
validators are not used as they are because their messages are English only.

"At least every 6 months" (seed 003) is counted in calendar months on the Vietnam calendar:
a password set on 15/03 must be changed from 00:00 on 15/09 (Vietnam time); one set on
31/08 from 28/02 (29/02 in a leap year). See docs/portal.md.
"""

from __future__ import annotations

import calendar
import json
import secrets
from datetime import date, datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    make_password,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ebhxh.identifiers.text import fold
from ebhxh.vntime import vietnam_date

SPECIALS = "!@#$%^&*()-_=+[]{};:,.?/~"
# Letters and digits people cannot tell apart when typing a password read from an SMS.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_DIGITS = "23456789"
_GENERATED_SPECIALS = "@#$%&*!?"
GENERATED_LENGTH = 12

# Words Vietnamese users pick most; a password that is one of them plus digits and symbols
# ("Matkhau@2024") is as easy to guess as the word.
VIETNAMESE_COMMON = frozenset(
    {
        "matkhau",
        "baohiem",
        "baohiemxahoi",
        "bhxh",
        "dichvucong",
        "vietnam",
        "hanoi",
        "saigon",
        "anhyeuem",
        "emyeuanh",
        "iloveyou",
        "password",
        "admin",
        "qwerty",
        "qwertyuiop",
        "abc",
        "abcd",
        "abcdef",
        "asdfgh",
        "zxcvbn",
    }
)


def _letters(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalpha())


def _alnum(text: str) -> str:
    return fold(text).replace(" ", "")


class MinimumLengthValidator:
    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
                    "Mật khẩu phải có ít nhất %(min_length)d ký tự.",
                    self.min_length,
                ),
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return _("Ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}


class CharacterClassesValidator:
    """Upper case, lower case, a digit and a special character, each at least once."""

    def validate(self, password: str, user: Any = None) -> None:
        missing = []
        if not any(char.isupper() for char in password):
            missing.append(_("chữ hoa"))
        if not any(char.islower() for char in password):
            missing.append(_("chữ thường"))
        if not any(char.isdigit() for char in password):
            missing.append(_("chữ số"))
        if all(char.isalnum() for char in password):
            missing.append(_("ký tự đặc biệt"))
        if missing:
            raise ValidationError(
                _("Mật khẩu còn thiếu: %(missing)s."),
                code="password_character_classes",
                params={"missing": ", ".join(missing)},
            )

    def get_help_text(self) -> str:
        return _("Có chữ hoa, chữ thường, chữ số và ký tự đặc biệt (ví dụ @ # $ %).")


class PersonalInformationValidator:
    """Not built from what others know about the holder: CCCD or unit code, phone number,
    name, email. Compared without diacritics, case or punctuation ('Huong@0011' holds the
    name Hương)."""

    def __init__(self, digit_run: int = 6, name_part: int = 4) -> None:
        self.digit_run = digit_run
        self.name_part = name_part

    def _fragments(self, user: Any) -> list[tuple[str, str]]:
        account = getattr(user, "portal_account", None) if user is not None else None
        found: list[tuple[str, str]] = []
        numbers: list[tuple[str, str]] = []
        if account is not None:
            numbers += [
                (account.citizen_id or "", _("số CCCD")),
                (account.phone, _("số điện thoại")),
            ]
            if account.unit_code:
                found.append((_alnum(account.unit_code), _("mã đơn vị")))
            name = _letters(account.full_name)
            if len(name) >= self.name_part:
                found.append((name, _("họ tên")))
            for part in fold(account.full_name).split():
                if len(part) >= self.name_part:
                    found.append((part, _("họ tên")))
            local = _alnum(account.email.split("@")[0]) if account.email else ""
            if len(local) >= self.name_part:
                found.append((local, _("thư điện tử")))
        if user is not None:
            numbers.append((str(user.get_username()), _("tên đăng nhập")))
        for value, label in numbers:
            digits = "".join(char for char in value if char.isdigit()).lstrip("0")
            for start in range(max(0, len(digits) - self.digit_run + 1)):
                found.append((digits[start : start + self.digit_run], label))
        return found

    def validate(self, password: str, user: Any = None) -> None:
        compact = _alnum(password)
        for fragment, label in self._fragments(user):
            if fragment and fragment in compact:
                raise ValidationError(
                    _("Mật khẩu không được chứa %(what)s của chủ tài khoản."),
                    code="password_personal_information",
                    params={"what": label},
                )

    def get_help_text(self) -> str:
        return _("Không chứa số CCCD, số điện thoại, họ tên hay thư điện tử của bạn.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords, plus common Vietnamese words with digits
    and symbols around them."""

    def validate(self, password: str, user: Any = None) -> None:
        if password.lower().strip() in self.passwords or _letters(password) in VIETNAMESE_COMMON:
            raise ValidationError(
                _("Mật khẩu này quá phổ biến, dễ bị đoán. Chọn mật khẩu khác."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Không dùng mật khẩu phổ biến như Matkhau@123.")


class PasswordHistoryValidator:
    """Not one of the holder's last `count` passwords (the current one included)."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from ebhxh.agency.portal.models import PasswordHistoryEntry

        hashes = list(
            PasswordHistoryEntry.objects.filter(user=user)
            .order_by("-created_at", "-id")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                _("Mật khẩu mới không được trùng với %(count)d mật khẩu gần nhất."),
                code="password_reused",
                params={"count": self.count},
            )

    def get_help_text(self) -> str:
        return _("Khác %(count)d mật khẩu gần nhất.") % {"count": self.count}


@cache
def _validators(config: str) -> list[Any]:
    return list(password_validation.get_password_validators(json.loads(config)))


def portal_validators() -> list[Any]:
    """The validators of `PORTAL_PASSWORD_VALIDATORS`, built once per configuration."""
    return _validators(json.dumps(settings.PORTAL_PASSWORD_VALIDATORS, sort_keys=True))


def validate_portal_password(password: str, user: Any) -> None:
    """Raise ValidationError with every rule the password breaks."""
    password_validation.validate_password(password, user, password_validators=portal_validators())


def password_rules() -> list[str]:
    """The rules in words, for the page where a password is chosen."""
    return list(password_validation.password_validators_help_texts(portal_validators()))


def generate_password() -> str:
    """A random password that passes the strength rules: every character class, no
    look-alike characters, so it survives being read from an SMS and typed."""
    pools = (_UPPER, _LOWER, _DIGITS, _GENERATED_SPECIALS)
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(GENERATED_LENGTH - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def hash_generated_password(password: str) -> str:
    """The hash of a password the system generated (`generate_password`).

    Key stretching protects passwords people choose, which are few bits of guesswork; a
    generated one has about 72 bits (12 characters from 65), which no number of guesses
    reaches, stretched or not. So when the site hashes with PBKDF2 it is hashed here with
    `PORTAL_GENERATED_PASSWORD_ITERATIONS` rounds instead of a million (about 1.7 s of CPU
    on a small server, the largest single cost of opening an account, and the difference
    between meeting seed 003's 15 minutes under a burst or not). The hash names its rounds,
    so Django verifies it as usual, and re-hashes it at full strength on the first login,
    which must change it anyway.
    """
    default = get_hasher("default")
    if isinstance(default, PBKDF2PasswordHasher):
        light = type(default)()
        light.iterations = settings.PORTAL_GENERATED_PASSWORD_ITERATIONS
        return make_password(password, hasher=light)
    return make_password(password)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def password_expires_on(changed_at: datetime) -> date:
    """The Vietnam date from which a password set at `changed_at` must be changed."""
    return add_months(vietnam_date(changed_at), settings.PORTAL_PASSWORD_MAX_AGE_MONTHS)


def password_change_required(*, must_change: bool, changed_at: datetime, now: datetime) -> bool:
    """First login with a generated password, or a password as old as the maximum age."""
    return must_change or vietnam_date(now) >= password_expires_on(changed_at)
