"""The core never imports the UI: the daemon and cron polls must not pay for Textual.

At run time the core must not load Textual at all. click is checked in the source only:
sqlite-utils (the store's library) imports click itself for its own command line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "briefer"
UI_PARTS = {"tui", "cli"}


def core_modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if not UI_PARTS & set(p.relative_to(PACKAGE).parts)
    )


def test_core_modules_do_not_load_textual() -> None:
    names = [
        "briefer." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in core_modules()
        if p.name not in ("__main__.py",)
    ]
    assert "briefer.poller" in names and "briefer.store.__init__" in names
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_source_never_imports_textual_or_click() -> None:
    offenders = []
    for path in core_modules():
        if path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            if {"textual", "click"} & set(roots):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
