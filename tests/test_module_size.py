"""The package stays readable in pieces: no module over 300 lines (the generated schema validator
apart) and no function over 50, decorators not counted."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "scaleform"
GENERATED = {PACKAGE / "manifest" / "_fast_validator.py"}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p not in GENERATED]


def test_no_module_is_over_300_lines():
    long = {
        str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_50_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"] = lines
    assert long == {}


def test_the_check_sees_the_package():
    assert len(_modules()) > 90 and (PACKAGE / "plan.py") in _modules()
