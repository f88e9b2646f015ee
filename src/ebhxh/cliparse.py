"""The argument parser every pure `ebhxh` command shares: Vietnamese usage and errors.

Unit staff run these commands; argparse's English "the following arguments are required"
helps nobody there. Errors print the usage and exit 2, as argparse always does; a `run()`
that returns its status instead of exiting catches the SystemExit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

ARGPARSE_MESSAGES = (
    ("the following arguments are required:", "thiếu tham số bắt buộc:"),
    ("unrecognized arguments:", "tham số không nhận ra:"),
    ("invalid choice:", "lựa chọn không hợp lệ:"),
    ("choose from", "chọn một trong"),
    ("expected one argument", "cần một giá trị"),
    ("not allowed with argument", "không dùng cùng với tham số"),
    ("argument ", "tham số "),
)


class VietnameseHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class VietnameseArgumentParser(argparse.ArgumentParser):
    """ArgumentParser with Vietnamese headings, help and error messages."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(**kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        for english, vietnamese in ARGPARSE_MESSAGES:
            message = message.replace(english, vietnamese)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {message}\n")

    def parse_or_status(self, argv: Sequence[str]) -> argparse.Namespace | int:
        """The parsed arguments, or the exit status argparse already printed its reason for
        (2 for wrong usage, 0 after --help), for `run()` functions that return a status."""
        try:
            return self.parse_args(list(argv))
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else 2
