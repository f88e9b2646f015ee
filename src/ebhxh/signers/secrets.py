"""Reading a PIN or password for a command without exposing it."""

from __future__ import annotations

import getpass
import os
import sys


class MissingSecret(ValueError):
    """No PIN or password was given and none can be asked for (no terminal)."""


def read_secret(value: str | None, env_name: str, prompt: str, *, allow_empty: bool = False) -> str:
    """A PIN or password from the option, else the environment, else a silent prompt.

    Options are visible to other users in process listings; the environment or the prompt
    is the better habit on a shared machine.
    """
    if value is not None:
        return value
    from_env = os.environ.get(env_name)
    if from_env is not None:
        return from_env
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    if allow_empty:
        return ""
    raise MissingSecret(f"Thiếu {prompt.rstrip(': ')}: dùng tuỳ chọn hoặc biến {env_name}.")
