"""ebhxh.xmldsig is pure Python plus lxml/xmlsec/cryptography: no Django (import contract)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ebhxh.xmldsig

PACKAGE = Path(ebhxh.xmldsig.__file__).parent


def test_importing_every_module_loads_no_django() -> None:
    modules = sorted(f"ebhxh.xmldsig.{path.stem}" for path in PACKAGE.glob("*.py"))
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        + "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)
