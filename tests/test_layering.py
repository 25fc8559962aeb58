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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The briefer modules `path` imports, at the top or inside functions (an import moved
    into a function to dodge a cycle is still a cycle); `if TYPE_CHECKING:` blocks never run
    and are left out."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from package import module` loads the module (its package is loaded
                # for any submodule, and that edge is left out everywhere).
                subs = {f"{base}.{a.name}" for a in node.names} & modules
                found.update(subs)
                if len(subs) < len(node.names):
                    found.add(base)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in modules and m != name}


def test_import_graph_has_no_cycles() -> None:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: _imports(path, set(paths)) for name, path in paths.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert [" -> ".join(c) for c in cycles] == []


MAX_LINES = 500


def test_no_module_is_long_without_saying_why() -> None:
    """A module over MAX_LINES lines usually does several jobs; one that really is one job
    says so in its docstring ("Over 500 lines because ...")."""
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if lines > MAX_LINES and f"Over {MAX_LINES} lines because" not in " ".join(doc.split()):
            long.append(f"{path.relative_to(PACKAGE)} ({lines} lines)")
    assert long == []
