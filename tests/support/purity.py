"""The check behind the purity tests: which imports of a package leave its allow-list."""

from __future__ import annotations

import ast
import sys
from collections.abc import Collection
from pathlib import Path


def foreign_imports(
    package: Path, *, allowed_ebhxh: tuple[str, ...], allowed_third_party: Collection[str]
) -> list[tuple[str, str]]:
    """(module file, imported name) for every import outside the standard library, the
    allowed third-party packages and the allowed ebhxh modules; empty when the package is pure."""
    found: list[tuple[str, str]] = []
    for module in sorted(package.glob("*.py")):
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
                    allowed = name.startswith(allowed_ebhxh)
                else:
                    allowed = top in sys.stdlib_module_names or top in allowed_third_party
                if not allowed:
                    found.append((module.name, name))
    return found
