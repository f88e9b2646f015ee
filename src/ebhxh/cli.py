"""The `ebhxh` command.

`ebhxh check|pki|token|xml ...` run without Django (pure libraries, fast to start, usable on
a unit's PC); every other word is a Django management command, so `ebhxh migrate`,
`ebhxh demo`, `ebhxh worker`, `ebhxh audit verify` all work. Django's own system `check` is
reachable as `ebhxh manage check`.
"""

from __future__ import annotations

import importlib
import os
import sys

# word -> module whose `run(argv: list[str]) -> int` handles the rest of the command line
PURE_COMMANDS = {
    "check": "ebhxh.identifiers.cli",
    "pki": "ebhxh.pki.cli",
    "signer-agent": "ebhxh.signer_agent.cli",
    "token": "ebhxh.signers.cli",
    "xml": "ebhxh.xmldsig.cli",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        run = importlib.import_module(PURE_COMMANDS[args[0]]).run
        return int(run(args[1:]))
    if args and args[0] == "manage":
        args = args[1:]
    if args and args[0] == "demo":
        # Demo mode must be on before the settings load; the demo command sets the rest.
        os.environ.setdefault("EBHXH_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ebhxh.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ebhxh", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
