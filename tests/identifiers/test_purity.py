"""The identifier package must stay pure Python: no Django, no other ebhxh package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ebhxh.identifiers

PACKAGE = Path(ebhxh.identifiers.__file__).parent


def test_modules_import_only_the_standard_library_openpyxl_and_themselves() -> None:
    allowed_third_party = {"openpyxl"}
    for module in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "ebhxh":
                    assert name.startswith(
                        ("ebhxh.identifiers", "ebhxh.cliparse", "ebhxh.vntime")
                    ), (
                        module.name,
                        name,
                    )
                else:
                    assert top in sys.stdlib_module_names or top in allowed_third_party, (
                        module.name,
                        name,
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
