"""Package layering: ``ingest`` may import ``index``; ``index`` never imports ``ingest``.

Parses the real source files with :mod:`ast`, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in ``path``, at any depth; relative imports are skipped."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value).split(".")[0]))
    return found


def offending(package: str, forbidden: set[str]) -> list[str]:
    """``file:line -> name`` for each import of a ``forbidden`` package under ``package``."""
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no source files under {package}/"
    return [f"{path.relative_to(ROOT)}:{line} -> {name}"
            for path in files for line, name in imported_packages(path) if name in forbidden]


def test_index_does_not_import_ingest() -> None:
    assert offending("index", {"ingest", "ui", "app"}) == []


def test_ingest_does_not_import_ui_or_app() -> None:
    assert offending("ingest", {"ui", "app"}) == []


def test_the_check_sees_nested_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from ingest.pipeline import ingest\n    import ingest.load\n", encoding="utf-8")
    assert imported_packages(source) == [(2, "ingest"), (3, "ingest")]
