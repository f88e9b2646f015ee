"""The identifier package must stay pure Python: no Django, no other ebhxh package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ebhxh.identifiers
from tests.support.purity import foreign_imports

PACKAGE = Path(ebhxh.identifiers.__file__).parent


def test_modules_import_only_the_standard_library_openpyxl_and_themselves() -> None:
    assert not foreign_imports(
        PACKAGE,
        allowed_ebhxh=("ebhxh.identifiers", "ebhxh.cliparse", "ebhxh.vntime"),
        allowed_third_party={"openpyxl"},
    )


def test_importing_every_module_loads_no_django() -> None:
    modules = sorted(f"ebhxh.identifiers.{path.stem}" for path in PACKAGE.glob("*.py"))
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + "from ebhxh.identifiers.cli import run\n"
        + "assert run(['mst', '0100109106']) == 0\n"
        + "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        + "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)
