"""`ebhxh.pki` stays pure Python (no Django), so the CLI and every role can validate alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ebhxh.pki
from ebhxh.pki.demo import DemoPki
from tests.support.purity import foreign_imports

PACKAGE = Path(ebhxh.pki.__file__).parent
ALLOWED_THIRD_PARTY = {"cryptography", "httpx"}
ALLOWED_EBHXH = (
    "ebhxh.pki",
    "ebhxh.identifiers",
    "ebhxh.reference.rejections",
    "ebhxh.cliparse",
    "ebhxh.vntime",
)


def test_modules_import_only_allowed_packages() -> None:
    assert not foreign_imports(
        PACKAGE, allowed_ebhxh=ALLOWED_EBHXH, allowed_third_party=ALLOWED_THIRD_PARTY
    )


def test_importing_every_module_loads_no_django(demo_pki: DemoPki) -> None:
    modules = sorted(f"ebhxh.pki.{path.stem}" for path in PACKAGE.glob("*.py"))
    code = (
        "import sys, io\n"
        + "".join(f"import {name}\n" for name in modules)
        + "from ebhxh.pki.cli import run\n"
        + f"assert run(['demo', '--out', {str(demo_pki.directory)!r}], out=io.StringIO()) == 0\n"
        + "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        + "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)
